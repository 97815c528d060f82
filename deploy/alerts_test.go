// Package deploy_test checks the deployment examples against the code.
package deploy_test

import (
	"log/slog"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/horizon-scan/horizon/pipeline/bus"
	"github.com/horizon-scan/horizon/pipeline/classify"
	"github.com/horizon-scan/horizon/pipeline/load"
	"github.com/horizon-scan/horizon/pipeline/scrape"
)

// TestEveryMetricAnAlertNamesExists reads the example alert rules and
// checks that each horizon_* metric they use is one the services export,
// so that a renamed metric cannot silently disarm an alert.
func TestEveryMetricAnAlertNamesExists(t *testing.T) {
	data, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatal(err)
	}
	exported := exportedMetrics(t)
	names := regexp.MustCompile(`horizon_[a-z_]+`)
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			if r.Alert == "" || r.Expr == "" {
				t.Errorf("a rule without alert or expr: %+v", r)
			}
			for _, m := range names.FindAllString(r.Expr, -1) {
				if !exported[m] {
					t.Errorf("alert %s uses %s, which no service exports", r.Alert, m)
				}
			}
		}
	}
	if n == 0 {
		t.Error("no alert rules")
	}
}

// exportedMetrics registers the metrics of the services' parts on one
// registry and lists their names.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()
	scrape.NewMetrics(reg)
	var b bus.Bus
	b.Watch([]string{"x"}, time.Minute, reg)
	log := slog.New(slog.DiscardHandler)
	load.New(nil, nil, log, reg, load.Options{})
	classify.NewWorker(nil, nil, log, reg)
	out := map[string]bool{}
	for _, desc := range describe(reg) {
		out[desc] = true
	}
	return out
}

var descName = regexp.MustCompile(`fqName: "([^"]+)"`)

func describe(reg *prometheus.Registry) []string {
	ch := make(chan *prometheus.Desc, 100)
	go func() {
		reg.Describe(ch)
		close(ch)
	}()
	var names []string
	for d := range ch {
		if m := descName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}
