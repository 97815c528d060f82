// Package rules holds Horizon's rule files, the folder analysts own: the
// taxonomy, the settings, the rule files, the gazetteers and the
// vocabularies (with the scripts that rebuild them from their public
// sources). It only embeds them; the engine that parses, checks, compiles
// and applies them is package pipeline/rules.
package rules

import "embed"

// Files holds the rule files built into every binary.
//
//go:embed *.yaml *.csv vocabulary/*.tsv names/*.yaml names/*.txt registries/*.csv marks/*.yaml
var Files embed.FS
