package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/settle-dev/settle/calibrate"
	"github.com/settle-dev/settle/transfer"
)

// runCalibrate is `settle calibrate`: it finds which rules PortOne applies
// for this merchant by posting probes to PortOne's test environment, and
// writes them as a rules file for SETTLE_RULES.
func runCalibrate(ctx context.Context, e *env) error {
	fs := newFlags(e, "calibrate", "[--out FILE] [--name NAME] [--evidence DIR]  (PortOne test mode only: PORTONE_TEST_MODE=true)")
	out := fs.String("out", "settle-rules.json", "the rules file to write (SETTLE_RULES)")
	name := fs.String("name", "calibrated", "the name of the rules (their version is NAME@hash)")
	evidence := fs.String("evidence", "", "directory for each probe as a preview input (PROBE.json) and PortOne's answers (PROBE.portone.json)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if !e.cfg.TestMode {
		return usageError{calibrate.ErrLive}
	}
	if e.cfg.APISecret == "" {
		return usagef("PORTONE_API_SECRET is not set")
	}
	api, err := transfer.New(transfer.Config{BaseURL: e.cfg.APIBase, APISecret: e.cfg.APISecret, TestMode: true})
	if err != nil {
		return usageError{err}
	}
	rep, err := calibrate.Run(ctx, api, calibrate.Options{TestMode: e.cfg.TestMode, Location: e.cfg.TZ, Name: *name, Log: prefixWriter{e.stderr, "settle calibrate: "}})
	if rep != nil {
		rep.Print(e.stdout)
		if *evidence != "" {
			if werr := writeEvidence(*evidence, rep); werr != nil {
				return werr
			}
		}
	}
	if errors.Is(err, calibrate.ErrLive) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if len(rep.Leftovers) > 0 {
		return fmt.Errorf("%d probe transfers could not be deleted (listed above); run settle calibrate again to delete them", len(rep.Leftovers))
	}
	if !rep.Exact {
		return fmt.Errorf("no rules settle knows explain every answer (listed above); %s not written", *out)
	}
	if err := os.WriteFile(*out, rep.Rules.File(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: set SETTLE_RULES=%s\n", *out, *out)
	return nil
}

// writeEvidence writes each probe as a `settle preview` input and PortOne's
// answers to it, so that the rules can be checked again later with
// `SETTLE_RULES=FILE settle preview DIR/PROBE.json`.
func writeEvidence(dir string, rep *calibrate.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range rep.Probes {
		if err := os.WriteFile(filepath.Join(dir, p.Probe.Name+".json"), append(p.Probe.PreviewInput(), '\n'), 0o644); err != nil {
			return err
		}
		answers := map[string]any{"transfer": p.Wire[0], "cancelTransfers": p.Wire[1:]}
		b, err := json.MarshalIndent(answers, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, p.Probe.Name+".portone.json"), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// prefixWriter writes each line with a prefix.
type prefixWriter struct {
	w      interface{ Write([]byte) (int, error) }
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	lines := strings.SplitAfter(string(b), "\n")
	for _, l := range lines {
		if l == "" {
			continue
		}
		if _, err := p.w.Write([]byte(p.prefix + l)); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}
