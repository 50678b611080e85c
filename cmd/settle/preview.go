package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/transfer"
)

// errHelp is returned after a command printed its --help.
var errHelp = flag.ErrHelp

func newFlags(e *env, name, args string) *flag.FlagSet {
	fs := flag.NewFlagSet("settle "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: settle %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	return nil
}

func runPreview(_ context.Context, e *env) error {
	fs := newFlags(e, "preview", "[FILE]  (JSON in PortOne's request shapes; stdin when FILE is absent or -)")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("at most one FILE")
	}
	var data []byte
	var err error
	name := "stdin"
	if fs.NArg() == 0 || fs.Arg(0) == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, 64<<20))
	} else {
		name = fs.Arg(0)
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return usagef("%v", err)
	}
	// Preview computes PortOne's documented examples, of any year: the
	// horizon of SETTLE_HORIZON and the isForTest check do not apply.
	out, err := intake.Rules{Location: e.cfg.TZ}.PreviewWith(data, e.cfg.Rules)
	if err != nil {
		var pe *intake.PreviewError
		if errors.As(err, &pe) {
			// PortOne's error body on stdout, so integrators can diff it with
			// the real API's answer; the human line on stderr.
			body, _ := json.Marshal(transfer.NewAPIError(pe.Err))
			e.stdout.Write(append(body, '\n'))
			return usagef("%s: %v", name, pe.Err)
		}
		return err
	}
	for _, n := range out.Notes {
		fmt.Fprintf(e.stderr, "settle preview: %s: %s\n", name, n)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
