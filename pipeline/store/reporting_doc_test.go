package store_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/horizon-scan/horizon/internal/testenv"
)

// TestEveryReportColumnIsDocumented holds docs/reporting.md to the views:
// every view of the report schema has its section, and every column is in
// its table, so the dashboard contract is never behind the database.
func TestEveryReportColumnIsDocumented(t *testing.T) {
	t.Parallel()
	st := testenv.Store(t)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "reporting.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]map[string]bool{} // view → column names its table lists
	var view string
	heading := regexp.MustCompile(`^## report\.([a-z_]+)`)
	for _, line := range strings.Split(string(doc), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			view = m[1]
			sections[view] = map[string]bool{}
			continue
		}
		if view == "" || !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(line, "|")
		for _, name := range strings.Split(cells[1], ",") {
			sections[view][strings.TrimSpace(name)] = true
		}
	}
	rows, err := st.Pool().Query(context.Background(), `select table_name, column_name from information_schema.columns
		where table_schema = 'report' order by table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		cols, ok := sections[table]
		if !ok {
			t.Errorf("docs/reporting.md has no section for report.%s", table)
			sections[table] = map[string]bool{column: true}
			continue
		}
		if !cols[column] {
			t.Errorf("docs/reporting.md: report.%s lacks column %s", table, column)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
