package classify

import (
	"context"
	"fmt"
	"time"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/message"
	"github.com/horizon-scan/horizon/pipeline/rules"
	"github.com/horizon-scan/horizon/pipeline/store"
)

// Reclassify classifies every stored document with rs and publishes the
// classifications for the loader, so that the dashboards move to the new
// rule-set version. The message ids carry the rule-set version: running it
// twice with the same rules publishes nothing new, and the loader keeps the
// classifications of earlier versions beside the new ones (and never touches
// an analyst's decisions). It returns how many were published and how many
// the stream already had.
func Reclassify(ctx context.Context, st *store.Store, b *bus.Bus, rs *rules.RuleSet, now func() time.Time) (published, duplicates int, err error) {
	err = st.EachDocument(ctx, func(d message.Document) error {
		c := Classify(rs, d, now())
		dup, err := b.PublishJSON(ctx, b.ClassifiedSubject(d.Source), c.MsgID(), c)
		if err != nil {
			return fmt.Errorf("publishing classification of %s: %w", d.ID, err)
		}
		if dup {
			duplicates++
		} else {
			published++
		}
		return nil
	})
	return published, duplicates, err
}
