package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle-dev/settle/store"
)

// TestBackupCommand (issue #13.6): `settle backup FILE` copies the
// database into a file settle opens; it never overwrites a file and
// refuses a database that does not exist.
func TestBackupCommand(t *testing.T) {
	w := newOpsWorld(t)
	file := filepath.Join(t.TempDir(), "copy.db")
	r := runCLI(t, w.env, "", "backup", file)
	if r.code != exitOK || !strings.Contains(r.stdout, "backup: "+file) {
		t.Fatalf("backup = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st, err := store.Open(context.Background(), file)
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer st.Close()
	o, err := st.Order(context.Background(), "p1", "pay-1")
	if err != nil {
		t.Errorf("the imported order in the backup: %+v %v", o, err)
	}
	if r := runCLI(t, w.env, "", "backup", file); r.code != exitUsage || !strings.Contains(r.stderr, "never overwrites") {
		t.Errorf("backup onto an existing file = %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, w.with("SETTLE_DB", filepath.Join(t.TempDir(), "typo.db")), "", "backup", file+"2"); r.code != exitUsage || !strings.Contains(r.stderr, "no such database") {
		t.Errorf("backup of a missing database = %d %s", r.code, r.stderr)
	}
}
