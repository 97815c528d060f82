package load

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Redrive sends the dead letters f selects back to the subject they were
// read from, for the stage that gave up on them to try again (after a fix
// to the rules, the code or the data), and marks them redriven. Each is
// published with a message id of its own ("redrive:<row>:<sequence>:<times
// redriven>"), so a redrive repeated before it was recorded publishes
// nothing twice (a deliberate second one after it was recorded does), and
// the stages downstream are idempotent. A letter dead-lettered again is
// open again and can be redriven once more. It returns the letters sent;
// with dryRun it only lists them. A letter whose subject no stage reads
// is left alone and named in the error; the others are still sent.
func Redrive(ctx context.Context, b *bus.Bus, s *store.Store, f store.DeadLetterFilter, dryRun bool) ([]store.StoredDeadLetter, error) {
	letters, err := s.DeadLetters(ctx, f)
	if err != nil {
		return nil, err
	}
	if dryRun {
		return letters, nil
	}
	var sent []store.StoredDeadLetter
	var refused []error
	for _, d := range letters {
		if err := redrivable(b, d); err != nil {
			refused = append(refused, err)
			continue
		}
		msgID := "redrive:" + strconv.FormatInt(d.ID, 10) + ":" + strconv.FormatUint(d.Seq, 10) + ":" + strconv.Itoa(d.Redrives)
		if _, err := b.PublishRaw(ctx, d.Subject, msgID, d.Payload); err != nil {
			return sent, fmt.Errorf("dead letter %d: %w", d.ID, err)
		}
		if err := s.MarkRedriven(ctx, d.ID, d.Seq); err != nil {
			return sent, err
		}
		sent = append(sent, d)
	}
	return sent, errors.Join(refused...)
}

// redrivable refuses a letter whose subject is not one a stage reads (a
// dead letter itself, another prefix, none at all).
func redrivable(b *bus.Bus, d store.StoredDeadLetter) error {
	prefix := b.Config().Prefix + "."
	for _, kind := range []string{"raw", "classified", "runs"} {
		if strings.HasPrefix(d.Subject, prefix+kind+".") {
			return nil
		}
	}
	return fmt.Errorf("dead letter %d: subject %q is not one of this deployment's stages (prefix %q)", d.ID, d.Subject, b.Config().Prefix)
}
