package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/store"
)

// TestFailEarly (issue #13.4): every flag and argument is checked before
// any work, and a read-only command refuses a database that does not
// exist instead of creating an empty one.
func TestFailEarly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	env := map[string]string{"SETTLE_DB": missing, "PORTONE_API_SECRET": "s", "PORTONE_API_BASE": "http://127.0.0.1:1"}
	for _, c := range []struct {
		name    string
		args    []string
		want    []string
		created string // a path that must not exist afterwards
	}{
		{"demo language", []string{"demo", "--lang", "jp", "--dir", filepath.Join(dir, "demo")}, []string{`--lang "jp"`}, filepath.Join(dir, "demo")},
		{"export reversed", []string{"export", "--from", "2025-10-02", "--to", "2025-10-01", "--out", filepath.Join(dir, "r.xlsx")},
			[]string{"--to 2025-10-01 is before --from 2025-10-02"}, filepath.Join(dir, "r.xlsx")},
		{"not a calendar date", []string{"run", "post", "--date", "2025-02-30"}, []string{"2025-02-30 is not a calendar date", "February 2025 has 28 days"}, missing},
		{"no month 13", []string{"backfill", "--from", "2025-13-01", "--to", "2025-13-02"}, []string{"2025-13-01 is not a calendar date"}, missing},
		{"unknown job", []string{"run", "postt", "--date", "2025-10-01"}, []string{`unknown job "postt"`}, missing},
		{"export from a missing database", []string{"export", "--from", "2025-10-01", "--to", "2025-10-01", "--out", filepath.Join(dir, "m.xlsx")},
			[]string{"typo.db: no such database"}, missing},
		{"run post on a missing database", []string{"run", "post", "--date", "2025-10-01"}, []string{"no such database", "SETTLE_DB"}, missing},
		{"stray argument", []string{"backfill", "--from", "2025-10-01", "2025-10-02"}, []string{`unexpected argument "2025-10-02"`}, missing},
		{"import of a missing file", []string{"import", filepath.Join(dir, "nope.csv")}, []string{"nope.csv"}, missing},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := runCLI(t, env, "", c.args...)
			for _, w := range c.want {
				if r.code != exitUsage || !strings.Contains(r.stderr, w) {
					t.Errorf("settle %v = %d, want %d and %q\nstdout %s\nstderr %s", c.args, r.code, exitUsage, w, r.stdout, r.stderr)
				}
			}
			if _, err := os.Stat(c.created); err == nil {
				t.Errorf("settle %v created %s before refusing", c.args, c.created)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("settle %v took %s to refuse", c.args, took)
			}
		})
	}
}

// TestCreatingCommandsSaySo: a command that brings data in may start a
// database, and says where.
func TestCreatingCommandsSaySo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "orders.jsonl")
	paid := time.Now().Add(-time.Hour).Format(time.RFC3339)
	if err := os.WriteFile(file, []byte(`{"partnerId":"p1","paymentId":"pay-1","paidAt":"`+paid+`","orderDetail":{"orderAmount":10000}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "new.db")
	r := runCLI(t, map[string]string{"SETTLE_DB": db}, "", "import", file)
	if r.code != exitOK || !strings.Contains(r.stderr, "creating a new database "+db) {
		t.Errorf("import into a new database = %d\nstderr %s", r.code, r.stderr)
	}
	r = runCLI(t, map[string]string{"SETTLE_DB": db}, "", "import", file)
	if strings.Contains(r.stderr, "creating") {
		t.Errorf("the second import says it creates the database: %s", r.stderr)
	}
}

// TestExportKeepsTheWorkbook (issue #13.4): an export from a database with
// nothing for the range does not replace an existing workbook (the real
// one, overwritten by a run against a mistyped SETTLE_DB) unless --force.
func TestExportKeepsTheWorkbook(t *testing.T) {
	w := newOpsWorld(t)
	out := t.TempDir()
	if r := runCLI(t, w.env, "", "run", "nightly", "--date", w.date, "--out", out); r.code != exitOK {
		t.Fatalf("run nightly = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	book := filepath.Join(out, "settle-"+w.date+".xlsx")
	real, err := os.ReadFile(book)
	if err != nil {
		t.Fatal(err)
	}
	// An empty database that exists (another directory's, a test one).
	other := filepath.Join(t.TempDir(), "other.db")
	st, err := store.Open(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := w.with("SETTLE_DB", other)
	for _, args := range [][]string{
		{"export", "--from", w.date, "--to", w.date, "--out", book},
		{"run", "export", "--date", w.date, "--out", out},
	} {
		r := runCLI(t, env, "", args...)
		if r.code == exitOK || !strings.Contains(r.stderr, "no settlement in the range") || !strings.Contains(r.stderr, "--force") {
			t.Errorf("settle %v from an empty database = %d, want a refusal\nstdout %s\nstderr %s", args, r.code, r.stdout, r.stderr)
		}
		if now, _ := os.ReadFile(book); !bytes.Equal(now, real) {
			t.Fatalf("settle %v replaced the workbook", args)
		}
	}
	if r := runCLI(t, env, "", "export", "--from", w.date, "--to", w.date, "--out", book, "--force"); r.code != exitOK {
		t.Errorf("export --force = %d: %s", r.code, r.stderr)
	}
	if now, _ := os.ReadFile(book); bytes.Equal(now, real) {
		t.Error("export --force did not replace the workbook")
	}
	// The real database replaces its own workbook as before.
	if r := runCLI(t, w.env, "", "export", "--from", w.date, "--to", w.date, "--out", book); r.code != exitOK {
		t.Errorf("export from the real database = %d: %s", r.code, r.stderr)
	}
}

// TestServeBindsFirst (issue #13.4): `serve` whose port is taken fails at
// once, before the catch-up run does a night of work.
func TestServeBindsFirst(t *testing.T) {
	w := newOpsWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	env := w.with("SETTLE_HTTP_ADDR", ln.Addr().String(), "SETTLE_API_TOKEN", "token-token-token-1")
	code := run(ctx, []string{"serve", "--out", t.TempDir()}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	if code != exitFailed || !strings.Contains(errb.String(), "SETTLE_HTTP_ADDR "+ln.Addr().String()) {
		t.Errorf("serve on a taken port = %d\n%s", code, errb.String())
	}
	st, err := store.Open(context.Background(), w.env["SETTLE_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, err := st.Runs(context.Background(), store.RunQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 0 {
		t.Errorf("serve ran %d jobs (first %s %s) before failing on its port", len(runs), runs[0].Job, runs[0].BusinessDate)
	}
}
