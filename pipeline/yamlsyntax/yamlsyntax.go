// Package yamlsyntax reports YAML syntax errors at the line where the
// problem is. The YAML parser names the line where the construct around
// the problem began (a flow list opened twenty lines up), which sends an
// analyst to the wrong place.
package yamlsyntax

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var parserError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Locate returns err, a syntax error of parsing data, as "file:LINE:
// problem", LINE being the first line at which the text up to it fails
// with the same problem. Other errors come back as "file: err".
func Locate(file string, data []byte, err error) error {
	m := parserError.FindStringSubmatch(err.Error())
	if m == nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	reported, _ := strconv.Atoi(m[1])
	problem := m[2]
	lines := bytes.SplitAfter(data, []byte("\n"))
	for n := max(reported, 1); n <= len(lines); n++ {
		var node yaml.Node
		e := yaml.Unmarshal(bytes.Join(lines[:n], nil), &node)
		if e != nil && strings.HasSuffix(e.Error(), ": "+problem) {
			return fmt.Errorf("%s:%d: %s", file, n, problem)
		}
	}
	return fmt.Errorf("%s:%d: %s", file, reported, problem)
}
