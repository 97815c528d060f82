package yamlsyntax

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestLocateNamesTheLineOfTheProblem(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"a stray bracket in a long flow list",
			"lists:\n  ai: [artificial intelligence,\n       machine learning,\n       deep learning,\n       neural network]]\nrules: []\n",
			"f.yaml:5: did not find expected key"},
		{"a tab for indentation", "rules:\n  - id: a\n\t weight: 1\n", "f.yaml:3: found a tab character that violates indentation"},
		{"an unclosed quote", "rules:\n  - id: a\n    any: [\"open, shut]\n", "f.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n yaml.Node
			err := yaml.Unmarshal([]byte(tc.text), &n)
			if err == nil {
				t.Fatal("no error to locate")
			}
			got := Locate("f.yaml", []byte(tc.text), err).Error()
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("Locate = %q, want it to start %q (yaml said %q)", got, tc.want, err)
			}
		})
	}
}
