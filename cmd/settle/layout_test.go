package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection checks house rule 1 on every package of the module:
// imports point cmd -> jobs -> {settlement, transfer, store, reports};
// settlement imports nothing of ours; transfer, store and reports import
// settlement only (and their own test-support packages); nothing imports
// jobs but cmd, and nothing imports cmd.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/settle-dev/settle"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	top := func(p string) string { // first path element below the module
		p = strings.TrimPrefix(strings.TrimPrefix(p, mod), "/")
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return p[:i]
		}
		return p
	}
	allowed := map[string][]string{
		"settlement": {},
		"transfer":   {"settlement", "transfer"},
		"store":      {"settlement", "store"},
		"reports":    {"settlement"},
		"jobs":       {"settlement", "transfer", "store", "reports", "jobs"},
		"cmd":        {"jobs", "settlement", "transfer", "store", "reports"},
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		from := top(pkg)
		ok, known := allowed[from]
		if !known {
			t.Errorf("package %s is outside the layout (cmd, jobs, settlement, transfer, store, reports)", pkg)
			continue
		}
		for _, imp := range imports {
			if !strings.HasPrefix(imp, mod+"/") {
				continue
			}
			to := top(imp)
			permitted := false
			for _, a := range ok {
				permitted = permitted || a == to
			}
			if !permitted {
				t.Errorf("%s imports %s: %s may import only %v of ours", pkg, imp, from, ok)
			}
			// Within jobs, the subpackages serve jobs, never the reverse.
			if from == "jobs" && to == "jobs" && pkg != mod+"/jobs" && imp == mod+"/jobs" {
				t.Errorf("%s imports %s: jobs' subpackages must not import jobs", pkg, imp)
			}
		}
	}
}
