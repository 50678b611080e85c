package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// packagePrefix is a message that starts with one of our package names
// ("store: …", "transfer: …"): house style says messages name the record
// and the field, not the package that wrapped them.
var packagePrefix = regexp.MustCompile(`"(settlement|transfer|store|reports|intake|ingest|jobs|httpapi|demo|calibrate|portone): `)

// TestNoPackagePrefixes (issue #13.5) reads every non-test Go file of the
// product for a message starting with a package name.
func TestNoPackagePrefixes(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != root) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if packagePrefix.MatchString(line) && !strings.Contains(line, "panic(") {
				t.Errorf("%s:%d: a message with a package prefix: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestErrorsSayWhatFailed: a run against an unreachable PortOne says so
// in words, without package names.
func TestErrorsSayWhatFailed(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SETTLE_DB": filepath.Join(dir, "s.db"), "PORTONE_API_SECRET": "secret-secret", "PORTONE_API_BASE": "http://" + freeAddr(t)}
	r := runCLI(t, env, "", "run", "refresh", "--date", "2025-10-01")
	if r.code != exitFailed {
		t.Fatalf("run refresh with PortOne down = %d: %s", r.code, r.stderr)
	}
	if m := regexp.MustCompile(`\b(settlement|transfer|store|reports|intake|ingest|jobs|portone): `).FindString(r.stderr); m != "" {
		t.Errorf("the error carries a package prefix %q:\n%s", m, r.stderr)
	}
}
