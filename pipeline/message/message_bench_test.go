package message_test

import (
	stdjson "encoding/json"
	"os"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/horizon-scan/horizon/pipeline/message"
)

// sample is a classification as the classifier publishes it
// (testdata/classification.json: a short announcement with 35 pieces of
// evidence, 4.5 KB).
func sample(b *testing.B) ([]byte, message.Classification) {
	data, err := os.ReadFile("testdata/classification.json")
	if err != nil {
		b.Fatal(err)
	}
	c, err := message.DecodeClassification(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	return data, c
}

// BenchmarkDecodeClassification decodes a classification as the loader
// does every message (goccy/go-json), beside encoding/json decoding the
// same bytes into the same struct, the baseline.
func BenchmarkDecodeClassification(b *testing.B) {
	b.Run("shipped", func(b *testing.B) {
		data, _ := sample(b)
		for b.Loop() {
			if _, err := message.DecodeClassification(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		data, _ := sample(b)
		for b.Loop() {
			var c message.Classification
			if err := stdjson.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncodeClassification encodes it as the classifier does for
// every document (the bus encodes with goccy/go-json), beside
// encoding/json.
func BenchmarkEncodeClassification(b *testing.B) {
	b.Run("shipped", func(b *testing.B) {
		_, c := sample(b)
		for b.Loop() {
			if _, err := json.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		_, c := sample(b)
		for b.Loop() {
			if _, err := stdjson.Marshal(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
