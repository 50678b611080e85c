package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/settle-dev/settle/demo"
	"github.com/settle-dev/settle/jobs"
)

func runDemo(ctx context.Context, e *env) error {
	fs := newFlags(e, "demo", "[--dir DIR] [--lang ko|en]")
	dir := fs.String("dir", "settle-demo", "directory for the SQLite file and the workbooks")
	lang := fs.String("lang", "ko", "workbook header language: ko or en")
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if *lang != "ko" && *lang != "en" {
		return usagef("--lang %q: want ko or en", *lang)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintln(e.stdout, "settle demo: a sample marketplace, the PortOne emulator in-process, the nightly pipeline for each day of a week")
	res, err := demo.Demo(ctx, demo.DemoOptions{Dir: *dir, Lang: *lang, Version: e.cfg.Version,
		Progress: terminal(e.stderr), Logger: e.logger(slog.LevelWarn)})
	if err != nil {
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "  business days      %s .. %s (Asia/Seoul; includes 개천절 and 추석)\n", res.From, res.To)
	fmt.Fprintf(w, "  records            %d read, %d stored; %d rejected at import or settle, with reasons (sheet 처리 필요 / Needs attention)\n",
		res.Imported.Read, res.Imported.Created, res.Rejected)
	fmt.Fprintf(w, "  transfer intents   %d; at PortOne (emulator): %d; posted %d, adopted %d\n", res.Intents, res.AtPortOne, res.Posted, res.Adopted)
	fmt.Fprintf(w, "  net settlement     ours %s won, PortOne's %s won\n", won(int64(res.Settlement)), won(int64(res.PortOneNet)))
	if res.Mismatches == 0 && res.Intents == res.AtPortOne {
		fmt.Fprintln(w, "  reconciliation     every transfer ties to the won")
	} else {
		fmt.Fprintf(w, "  reconciliation     %d mismatches (see sheet PortOne 불일치 / Mismatches)\n", res.Mismatches)
	}
	if len(res.PayoutIssues) == 0 {
		fmt.Fprintf(w, "  payouts            %d checked; every payout ties to the won\n", res.Payouts)
	} else {
		verb := "needs"
		if len(res.PayoutIssues) > 1 {
			verb = "need"
		}
		fmt.Fprintf(w, "  payouts            %d checked; %d %s attention (Payouts sheet):\n", res.Payouts, len(res.PayoutIssues), verb)
		for _, l := range res.PayoutIssues {
			fmt.Fprintf(w, "                       %s\n", l)
		}
	}
	fmt.Fprintf(w, "  database           %s\n", res.DB)
	fmt.Fprintf(w, "  took               %s\n", res.Took.Round(1e6))
	fmt.Fprintf(w, "workbook: %s\n", res.Workbook)
	if res.Mismatches > 0 {
		return fmt.Errorf("%d: %w", res.Mismatches, jobs.ErrMismatches)
	}
	return nil
}

// won formats an amount with thousands separators.
func won(v int64) string {
	s := fmt.Sprint(v)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	out := ""
	for len(s) > 3 {
		out = "," + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	out = s + out
	if neg {
		out = "-" + out
	}
	return out
}
