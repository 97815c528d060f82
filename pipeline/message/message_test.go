package message

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func validDocument() Document {
	return Document{SchemaVersion: DocumentVersion, ID: DocumentID("https://example.org/a"),
		ContentHash: ContentHash("t", "x"), Source: "s", URL: "https://example.org/a", Title: "t", Text: "x",
		FetchedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func TestDecodeDocument(t *testing.T) {
	good, _ := json.Marshal(validDocument())
	tests := []struct {
		name string
		data string
		want error
	}{
		{"a valid document decodes", string(good), nil},
		{"broken JSON is invalid", `{"schema_version": 1,`, ErrInvalid},
		{"a missing version is invalid", `{"id": "x"}`, ErrInvalid},
		{"a newer version is unknown", `{"schema_version": 2, "id": "x"}`, ErrUnknownVersion},
		{"a version of the wrong type is invalid", `{"schema_version": "1"}`, ErrInvalid},
		{"a document without a url is invalid", `{"schema_version": 1, "id": "x", "content_hash": "h", "source": "s"}`, ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeDocument([]byte(tc.data))
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("DecodeDocument(%s) error = %v, want %v", tc.data, err, tc.want)
			}
		})
	}
}

func TestClassificationRoundTrip(t *testing.T) {
	c := Classification{SchemaVersion: ClassificationVersion, Document: validDocument(), RuleSetVersion: "r1",
		Relevant: true, Labels: []Label{{Dimension: "type", Code: "DIAGNOSTIC", Score: 1,
			Evidence: []Evidence{{RuleID: "x", Field: "title", Start: 0, End: 1, Snippet: "t"}}}}}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeClassification(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.MsgID() != c.MsgID() || got.Labels[0].Evidence[0].Snippet != "t" {
		t.Errorf("round trip changed the message: %+v", got)
	}
}

func TestIDsAreStableAndContentSensitive(t *testing.T) {
	first, again, other := DocumentID("https://a/"), DocumentID("https://a/"), DocumentID("https://b/")
	if first != again || first == other {
		t.Error("document ids are not a function of the URL")
	}
	if ContentHash("a", "bc") == ContentHash("ab", "c") {
		t.Error("the content hash does not separate title from text")
	}
}

func FuzzDecodeClassification(f *testing.F) {
	f.Add([]byte(`{"schema_version": 1, "document": {}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = DecodeClassification(data) // must not panic
	})
}
