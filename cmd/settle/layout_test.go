package main

import (
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

// module is this module's path.
const module = "github.com/settle-dev/settle"

// layout is house rule 1 as ARCHITECTURE.md states it: for every package
// of ours (path below the module), the packages of ours it may import, and
// the third-party modules it may import (by path prefix). A package that is
// not listed is outside the layout. The standard library is always allowed.
var layout = map[string]struct {
	ours  []string
	third []string
}{
	"settlement":      {nil, []string{"github.com/shopspring/decimal"}},
	"transfer":        {[]string{"settlement"}, []string{"github.com/go-json-experiment/json/jsontext", "github.com/goccy/go-json", "github.com/tidwall/gjson"}}, // jsontext checks an answer, gjson walks it to trim it; answers decode with goccy
	"store":           {[]string{"settlement"}, []string{"gorm.io/", "golang.org/x/sync/errgroup", "github.com/jackc/pgx/v5"}},                                   // errgroup: the workbook's id slices read at once; pgx (gorm's PostgreSQL driver): COPY FROM
	"store/storetest": {[]string{"store"}, nil},                                                                                                                  // test support: no production package may import it
	"reports":         {[]string{"settlement"}, []string{"github.com/xuri/excelize/v2", "github.com/klauspost/compress/flate"}},
	"emulator":        {[]string{"settlement", "transfer"}, []string{"github.com/goccy/go-json"}}, // answers encode with goccy
	"intake":          {[]string{"settlement", "transfer", "store"}, []string{"github.com/go-json-experiment/json"}},
	"jobs":            {[]string{"settlement", "transfer", "store", "reports"}, []string{"github.com/robfig/cron/v3", "golang.org/x/sync/"}},
	"httpapi":         {[]string{"settlement", "transfer", "store", "intake", "jobs"}, []string{"github.com/prometheus/client_golang/"}},
	"demo":            {[]string{"settlement", "transfer", "store", "intake", "jobs", "emulator"}, nil},
	"calibrate":       {[]string{"settlement", "transfer"}, []string{"github.com/shopspring/decimal"}},
	"cmd/settle":      {[]string{"settlement", "transfer", "store", "reports", "emulator", "intake", "jobs", "httpapi", "demo", "calibrate"}, []string{"golang.org/x/term"}},
	// The scale benchmark is a development tool, not part of the product:
	// it may start a throwaway PostgreSQL like the tests do.
	"cmd/scale": {[]string{"settlement", "demo", "store/storetest"}, nil},
}

// testOnly are packages that only tests (and the tools listed in
// devTools) may import.
var testOnly = []string{"store/storetest"}

// devTools are development commands that may import test support.
var devTools = []string{"cmd/scale"}

// checkLayout returns every import in graph (package → its non-test
// imports, full import paths) that the layout does not allow.
func checkLayout(graph map[string][]string) []string {
	var bad []string
	pkgs := make([]string, 0, len(graph))
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, pkg := range pkgs {
		rel, ok := strings.CutPrefix(pkg, module+"/")
		if !ok {
			continue
		}
		rule, known := layout[rel]
		if !known {
			bad = append(bad, pkg+": outside the layout (add it to ARCHITECTURE.md and this test)")
			continue
		}
		for _, imp := range graph[pkg] {
			if to, ours := strings.CutPrefix(imp, module+"/"); ours {
				if slices.Contains(testOnly, to) && !slices.Contains(devTools, rel) {
					bad = append(bad, pkg+" imports "+imp+": test support, for tests only")
				} else if !slices.Contains(rule.ours, to) {
					bad = append(bad, pkg+" imports "+imp+": "+rel+" may import only "+strings.Join(rule.ours, ", ")+" of ours")
				}
				continue
			}
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			allowed := false
			for _, prefix := range rule.third {
				allowed = allowed || strings.HasPrefix(imp, prefix)
			}
			if !allowed {
				bad = append(bad, pkg+" imports "+imp+": not a dependency "+rel+" may use")
			}
		}
	}
	return bad
}

// importGraph lists every package of the module with its non-test imports.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err) // never pass without having checked
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		graph[f[0]] = f[1:]
	}
	if len(graph) < len(layout) {
		t.Fatalf("go list found %d packages, want at least %d", len(graph), len(layout))
	}
	return graph
}

// TestLayout checks house rule 1 on every package of the module.
func TestLayout(t *testing.T) {
	for _, v := range checkLayout(importGraph(t)) {
		t.Error(v)
	}
}

// TestLayoutCatchesBadImports shows the check failing: the real graph plus
// one deliberate bad import must give exactly one violation naming it.
func TestLayoutCatchesBadImports(t *testing.T) {
	graph := importGraph(t)
	for _, tc := range []struct{ from, to string }{
		{"settlement", module + "/store"},
		{"settlement", "gorm.io/gorm"},
		{"transfer", module + "/store"},
		{"store", module + "/transfer"},
		{"reports", module + "/store"},
		{"emulator", module + "/store"},
		{"intake", module + "/jobs"},
		{"jobs", module + "/intake"},
		{"jobs", module + "/httpapi"},
		{"jobs", module + "/emulator"},
		{"jobs", "gorm.io/gorm"},
		{"httpapi", module + "/emulator"},
		{"demo", module + "/httpapi"},
		{"cmd/settle", module + "/store/storetest"},
		{"store", module + "/store/storetest"},
		{"util", ""},
	} {
		g := make(map[string][]string, len(graph)+1)
		for k, v := range graph {
			g[k] = v
		}
		from := module + "/" + tc.from
		if tc.to != "" {
			g[from] = append(slices.Clone(g[from]), tc.to)
		} else {
			g[from] = nil
		}
		got := checkLayout(g)
		if len(got) != 1 || !strings.HasPrefix(got[0], from) {
			t.Errorf("%s importing %q: checkLayout = %q, want one violation of %s", tc.from, tc.to, got, from)
		}
	}
}
