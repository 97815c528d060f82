// Package message defines the versioned JSON messages that flow between
// Horizon's stages: the raw [Document] a scraper publishes and the
// [Classification] a classifier publishes for the loader.
//
// Every message carries a schema_version. A consumer that meets a version it
// does not know must not guess: it dead-letters the message with
// [ErrUnknownVersion] as the reason.
package message

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Schema versions understood by this build.
const (
	DocumentVersion       = 1
	ClassificationVersion = 1
	SourceRunVersion      = 1
)

// ErrUnknownVersion is returned by the decoders for a schema_version this
// build does not understand.
var ErrUnknownVersion = errors.New("unknown schema_version")

// ErrInvalid is returned by the decoders for a message that is not valid JSON
// or lacks a required field. Such a message can never be processed.
var ErrInvalid = errors.New("invalid message")

// Document is one fetched page or feed item, as published by the scraper on
// horizon.raw.<source>.
type Document struct {
	// SchemaVersion is DocumentVersion.
	SchemaVersion int `json:"schema_version"`
	// ID is stable for a canonical URL: see [DocumentID].
	ID string `json:"id"`
	// ContentHash is the SHA-256 of the title and text: see [ContentHash].
	ContentHash string `json:"content_hash"`
	// Source is the id of the source in sources.yaml that found the document.
	Source string `json:"source"`
	// URL is the canonical URL of the document.
	URL string `json:"url"`
	// Title is the headline, plain text.
	Title string `json:"title"`
	// Text is the main text, plain text with paragraphs separated by blank lines.
	Text string `json:"text"`
	// Published is when the publisher says the document appeared, if known.
	Published *time.Time `json:"published,omitempty"`
	// Language is a BCP 47 tag ("en") when detected.
	Language string `json:"language,omitempty"`
	// FetchedAt is when the scraper fetched it.
	FetchedAt time.Time `json:"fetched_at"`
	// Truncated says Text was cut to keep the message under the server's
	// max payload; ContentHash is still that of the whole text.
	Truncated bool `json:"truncated,omitempty"`
}

// CutText shortens the text by at least over bytes (and a little more, for
// the characters JSON escapes), at a character boundary, and marks the
// document truncated. It reports false when there is no text left to cut.
func (d *Document) CutText(over int) bool {
	if d.Text == "" {
		return false
	}
	n := max(len(d.Text)-over-over/8-64, 0)
	for n > 0 && !utf8.RuneStart(d.Text[n]) {
		n--
	}
	d.Text, d.Truncated = d.Text[:n], true
	return true
}

// MsgID is the JetStream de-duplication id of the document: the same
// document with the same content always has the same id, so a re-publish is
// dropped by the server.
func (d Document) MsgID() string { return d.ID + ":" + d.ContentHash }

// DocumentID returns the stable id of a document from its canonical URL.
func DocumentID(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(sum[:12])
}

// ContentHash returns the hash that changes when a document's title or text
// changes, and only then.
func ContentHash(title, text string) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Evidence says which rule matched what, and where.
type Evidence struct {
	// RuleID is the id of the rule that produced the code.
	RuleID string `json:"rule_id"`
	// Field is "title" or "text".
	Field string `json:"field"`
	// Start and End are byte offsets of the match in the field.
	Start int `json:"start"`
	End   int `json:"end"`
	// Snippet is the matched text.
	Snippet string `json:"snippet"`
}

// Label is one code assigned in one dimension (type, subtype, clinical_area,
// workforce_group, point_of_care, stage, horizon, region).
type Label struct {
	Dimension string  `json:"dimension"`
	Code      string  `json:"code"`
	Score     float64 `json:"score"`
	// Confidence is between 0 and 1: 0.5 at the dimension's threshold,
	// rising with the score (and, for type, shared among rival types).
	Confidence float64    `json:"confidence,omitempty"`
	Evidence   []Evidence `json:"evidence,omitempty"`
}

// Organisation is an organisation (or a vendor's product) a document
// names, found through a gazetteer.
type Organisation struct {
	// Kind is "nhs_trust", "nhs_icb", "regulator", "health_body" (a
	// national NHS or public health body), "vendor" or "product" (a
	// technology).
	Kind string `json:"kind"`
	// ID is the organisation's code: the ODS code of an NHS trust, a slug
	// of a vendor's or product's name.
	ID   string `json:"id"`
	Name string `json:"name"`
	// Vendor is the vendor of a product.
	Vendor string `json:"vendor,omitempty"`
	// Region is its region code (NHS_LONDON, WALES, …).
	Region   string     `json:"region,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Name is the name a document gives a technology or its developer, with
// the evidence it rests on (pipeline/names).
type Name struct {
	Name     string     `json:"name"`
	Score    float64    `json:"score"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Mark is a regulatory mark a document reports for the technology it
// announces (pipeline/marks).
type Mark struct {
	// Kind is a code of rules/marks/marks.yaml: FDA_510K, FDA_DE_NOVO,
	// FDA_PMA, FDA_BREAKTHROUGH, FDA, CE, UKCA, MHRA, NICE.
	Kind string `json:"kind"`
	// Reference identifies it where the text says: a submission number
	// ("K192854"), a device class ("Class IIa"), a guidance id ("MTG74").
	Reference string     `json:"reference,omitempty"`
	Evidence  []Evidence `json:"evidence,omitempty"`
}

// Review says whether a human should look at a classification, and why.
type Review struct {
	Needed  bool     `json:"needed"`
	Reasons []string `json:"reasons,omitempty"`
}

// Classification is the classifier's verdict on one document, published on
// horizon.classified.<source>. It carries the document so that the loader
// can store both in one transaction.
type Classification struct {
	// SchemaVersion is ClassificationVersion.
	SchemaVersion int `json:"schema_version"`
	// Document is the classified document.
	Document Document `json:"document"`
	// RuleSetVersion is the content hash of the rules that produced it.
	RuleSetVersion string `json:"rule_set_version"`
	// Relevant is the relevance gate: is this about an AI or data-driven
	// health technology at all?
	Relevant bool `json:"relevant"`
	// NearMiss is a document not relevant by a small margin: its labels,
	// the organisations the gazetteers know and the developers its
	// headline and lead name are proposed (not the product, nor marks),
	// and Review says so. Only a
	// relevant document counts; a near miss waits for an analyst.
	NearMiss bool `json:"near_miss,omitempty"`
	// Labels are the codes assigned, each with its evidence.
	Labels []Label `json:"labels,omitempty"`
	// Review routes doubtful cases to analysts.
	Review Review `json:"review"`
	// Organisations are the organisations named (NHS trusts and their
	// regions).
	Organisations []Organisation `json:"organisations,omitempty"`
	// Technology is the product the document announces, as it names it;
	// nil when it names none.
	Technology *Name `json:"technology,omitempty"`
	// Vendors are its developers as the document names them, best first.
	Vendors []Name `json:"vendors,omitempty"`
	// Marks are the regulatory marks the document reports.
	Marks []Mark `json:"marks,omitempty"`
	// Truncated says the text was longer than the classifier reads and only
	// its beginning was classified.
	Truncated bool `json:"truncated,omitempty"`
	// ClassifiedAt is when the classifier produced it.
	ClassifiedAt time.Time `json:"classified_at"`
}

// MsgID is the JetStream de-duplication id: one classification per document
// content per rule-set version.
func (c Classification) MsgID() string {
	return c.Document.MsgID() + ":" + c.RuleSetVersion
}

// DecodeDocument parses and checks a raw document message.
func DecodeDocument(data []byte) (Document, error) {
	var d Document
	if err := decode(data, &d, DocumentVersion); err != nil {
		return Document{}, err
	}
	if err := d.validate(); err != nil {
		return Document{}, err
	}
	return d, nil
}

// DecodeClassification parses and checks a classification message.
func DecodeClassification(data []byte) (Classification, error) {
	var c Classification
	if err := decode(data, &c, ClassificationVersion); err != nil {
		return Classification{}, err
	}
	if c.RuleSetVersion == "" {
		return Classification{}, fmt.Errorf("%w: rule_set_version is empty", ErrInvalid)
	}
	if err := c.Document.validate(); err != nil {
		return Classification{}, fmt.Errorf("document: %w", err)
	}
	return c, nil
}

func (d Document) validate() error {
	switch {
	case d.SchemaVersion != DocumentVersion:
		return fmt.Errorf("%w: document schema_version %d", ErrUnknownVersion, d.SchemaVersion)
	case d.ID == "":
		return fmt.Errorf("%w: id is empty", ErrInvalid)
	case d.ContentHash == "":
		return fmt.Errorf("%w: content_hash is empty", ErrInvalid)
	case d.Source == "":
		return fmt.Errorf("%w: source is empty", ErrInvalid)
	case d.URL == "":
		return fmt.Errorf("%w: url is empty", ErrInvalid)
	}
	return nil
}

// versioned is a message that names its schema version.
type versioned interface{ schemaVersion() int }

func (d *Document) schemaVersion() int       { return d.SchemaVersion }
func (c *Classification) schemaVersion() int { return c.SchemaVersion }
func (r *SourceRun) schemaVersion() int      { return r.SchemaVersion }

// decode decodes data into v, a message whose version must be want. A
// message of another version is reported as such rather than as whatever
// field happened not to parse; a good message is parsed once (reading the
// version on its own first cost the loader a third of its decoding).
func decode(data []byte, v versioned, want int) error {
	err := json.Unmarshal(data, v)
	got := v.schemaVersion()
	if err != nil {
		// What did not decode may be of another version: say so if it is.
		var head struct {
			SchemaVersion *int `json:"schema_version"`
		}
		if herr := json.Unmarshal(data, &head); herr != nil || head.SchemaVersion == nil || *head.SchemaVersion == want {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		got = *head.SchemaVersion
	}
	switch {
	case got == 0:
		return fmt.Errorf("%w: schema_version is missing", ErrInvalid)
	case got != want:
		return fmt.Errorf("%w: %d (this build reads %d)", ErrUnknownVersion, got, want)
	}
	return nil
}

// SourceRun records one run of one source, published by the scraper on
// horizon.runs.<source> so that the loader keeps each source's health. A
// run is published twice: when it starts (Finished zero: an opening
// record), and when it ends. A run whose end never comes (the scraper was
// killed) stays open until the next run of its source starts, which marks
// it abandoned.
type SourceRun struct {
	SchemaVersion int       `json:"schema_version"`
	RunID         string    `json:"run_id"`
	Source        string    `json:"source"`
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"` // zero in an opening record
	// Fetched counts responses with a body; NotModified 304s.
	Fetched     int `json:"fetched"`
	NotModified int `json:"not_modified"`
	// New and Changed count documents published; Unchanged documents
	// fetched again with the same content, not published.
	New       int `json:"new"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
	// Failed counts requests or pages that failed, by kind in Errors
	// (http_404, timeout, too_large, extract, robots, …).
	Failed        int            `json:"failed"`
	RobotsBlocked int            `json:"robots_blocked"`
	Errors        map[string]int `json:"errors,omitempty"`
	// Error says why the run as a whole failed (its start URL could not be
	// fetched or parsed); empty for a run that worked.
	Error string `json:"error,omitempty"`
	// BytesReceived counts body bytes, after decompression.
	BytesReceived int64 `json:"bytes_received"`
}

// MsgID is the de-duplication id of a run record.
func (r SourceRun) MsgID() string {
	if r.Opening() {
		return "run:" + r.RunID + ":start"
	}
	return "run:" + r.RunID
}

// Opening reports whether the record is a run's opening record.
func (r SourceRun) Opening() bool { return r.Finished.IsZero() }

// DecodeSourceRun parses and checks a run record.
func DecodeSourceRun(data []byte) (SourceRun, error) {
	var r SourceRun
	if err := decode(data, &r, SourceRunVersion); err != nil {
		return SourceRun{}, err
	}
	if r.RunID == "" || r.Source == "" {
		return SourceRun{}, fmt.Errorf("%w: run_id and source are required", ErrInvalid)
	}
	return r, nil
}
