package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAdjustCommand: `settle adjust` posts one manual transfer however
// often it is run, refuses another amount under the same reference, and
// `--check` reads it back.
func TestAdjustCommand(t *testing.T) {
	emu, url, _ := pipelineEmulator(t, "adjust-secret-1234")
	env := map[string]string{"SETTLE_DB": filepath.Join(t.TempDir(), "s.db"), "PORTONE_API_BASE": url, "PORTONE_API_SECRET": "adjust-secret-1234"}
	// A database that does not exist is refused (a mistyped SETTLE_DB);
	// refresh starts one with the partners.
	if r := runCLI(t, env, "", "adjust", "--check"); r.code != exitUsage || !strings.Contains(r.stderr, "no such database") {
		t.Errorf("adjust without a database = %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, env, "", "run", "refresh", "--date", "2025-10-01"); r.code != exitOK {
		t.Fatalf("refresh = %d %s", r.code, r.stderr)
	}
	args := []string{"adjust", "--partner", "p1", "--ref", "OPS-17", "--amount", "-1,200", "--settlement-date", "2025-10-10", "--reason", "pay-1 overpaid", "--by", "kim"}
	for range 2 {
		if r := runCLI(t, env, "", args...); r.code != exitOK || !strings.Contains(r.stdout, `Adjusted partner "p1" by -1,200 won`) {
			t.Fatalf("adjust = %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	manual := 0
	for _, tr := range emu.Transfers(false) {
		if tr.Type == "MANUAL" {
			manual++
		}
	}
	if manual != 1 {
		t.Errorf("%d manual transfers at the emulator, want 1", manual)
	}
	other := append([]string{}, args...)
	other[6] = "-1300"
	if r := runCLI(t, env, "", other...); r.code != exitUsage || !strings.Contains(r.stderr, "another --ref") {
		t.Errorf("another amount under the same ref = %d %s", r.code, r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"adjust", "--partner", "p1"}, "--ref is required"},
		{[]string{"adjust", "--partner", "p1", "--ref", "X", "--reason", "r", "--amount", "1.5"}, "want whole won"},
		{[]string{"adjust", "--partner", "p1", "--ref", "X", "--reason", "r", "--amount", "10"}, "--settlement-date is required"},
	} {
		if r := runCLI(t, env, "", c.args...); r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("settle %v = %d %s, want usage and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	r := runCLI(t, env, "", "adjust", "--check")
	if r.code != exitOK || !strings.Contains(r.stdout, "OPS-17") || !strings.Contains(r.stdout, "posted") {
		t.Errorf("adjust --check = %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
