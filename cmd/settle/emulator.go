package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
)

const emulatorArgs = "[--addr 127.0.0.1:9090] [--seed FILE] [--rules FILE] [--latency DURATION] [--faults SPEC] [--payout-fail PARTNER:DATE[:REASON]]..."

const emulatorHelp = `
Serves a stateful emulator of PortOne's platform API (/platform/*) on --addr,
in both the test and the live environment, with no API secret. Point settle
(PORTONE_API_BASE) or any PortOne client at it for a rehearsal or a scale run.

--rules FILE plays a merchant who changed PortOne's calculator: the formulas,
roundings and variants of a rules file (README "The merchant's rules"), in
both environments. Without it the emulator computes PortOne's defaults.

--latency delays every request, as a distant API would. --faults injects
failures at random, each request drawing once from a seeded generator:

  5xx=RATE         answer 5xx before handling (nothing committed)
  429=RATE         answer 429 with Retry-After before handling
  drop=RATE        handle and commit, then close the connection unanswered
  reset=RATE       reset the connection before handling
  slow=RATE        delay by slow-by before handling
  status=CODE      the status of 5xx faults (default 500)
  retry-after=DUR  Retry-After of 429 faults (default 0s)
  slow-by=DUR      the delay of slow faults
  method=METHOD    only requests with this method
  path=PATH        only this path; a trailing * matches a prefix
  seed=N           the generator's seed (default 0): the same seed and order
                   of requests give the same faults

Rates are fractions (0.02) or percentages (2%) and add up to at most 1.
Example, a rehearsal of a bad night on transfer creation:

  settle emulator --latency 50ms \
    --faults '5xx=2%,429=1%,drop=0.5%,retry-after=1s,path=/platform/transfers/*,seed=7'

Partner settlements and payouts follow the clock (a settlement date's payout
is scheduled at 00:00 and paid at 10:00). A rehearsal can stop one partner's
payout of one settlement date, in both environments; each flag repeats:

  --payout-fail PARTNER:DATE[:REASON]   the payout FAILED with failReason REASON
  --payout-withhold PARTNER:DATE        its settlements PAYOUT_WITHHELD (지급 보류)
  --payout-exclude PARTNER:DATE         its settlements PAYOUT_EXCLUDED (지급 제외)
  --payout-unscheduled PARTNER:DATE     no payout made; its settlements stay
                                        PAYOUT_PREPARED past their date

  settle emulator --seed demo/data/marketplace.json \
    --payout-fail 'p-hanbit:2025-10-02:예금주 불일치'

With --seed, a partner the seed does not have is refused.

Requests are not recorded (the in-process emulator of tests records them).
`

func runEmulator(ctx context.Context, e *env) error {
	fs := newFlags(e, "emulator", emulatorArgs)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), emulatorHelp)
	}
	addr := fs.String("addr", "127.0.0.1:9090", "listen address (loopback unless you mean otherwise)")
	seed := fs.String("seed", "", "JSON file of partners, contracts and policies to start with")
	rulesFile := fs.String("rules", "", "a rules file (as SETTLE_RULES): play a merchant with these formulas and variants instead of PortOne's defaults")
	latency := fs.Duration("latency", 0, "delay before every request is handled, e.g. 50ms")
	faults := fs.String("faults", "", "random faults, e.g. '5xx=2%,429=1%,drop=0.5%,seed=7' (see below)")
	var controls []emulator.PayoutControlSpec
	for _, f := range []struct {
		name  string
		a     emulator.PayoutAction
		usage string
	}{
		{"payout-fail", emulator.PayoutFail, "PARTNER:DATE[:REASON]: that partner's payout of that settlement date fails (repeatable)"},
		{"payout-withhold", emulator.PayoutWithhold, "PARTNER:DATE: withhold that partner's settlements of that date (repeatable)"},
		{"payout-exclude", emulator.PayoutExclude, "PARTNER:DATE: exclude that partner's settlements of that date from payouts (repeatable)"},
		{"payout-unscheduled", emulator.PayoutUnscheduled, "PARTNER:DATE: make no payout of that partner's settlements of that date (repeatable)"},
	} {
		fs.Func(f.name, f.usage, func(v string) error {
			c, err := emulator.ParsePayoutControl(f.a, v)
			if err == nil {
				controls = append(controls, c)
			}
			return err
		})
	}
	if err := parseFlags(fs, e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if *latency < 0 {
		return usagef("--latency: %v is negative", *latency)
	}
	fc, faultSeed, err := emulator.ParseFaults(*faults)
	if err != nil {
		return usagef("--faults: %v", err)
	}
	fc.Latency = *latency
	var seedData io.Reader
	if *seed != "" {
		f, err := os.Open(*seed)
		if err != nil {
			return usagef("--seed: %v", err)
		}
		defer f.Close()
		seedData = f
	}
	var rules *settlement.Rules
	if *rulesFile != "" {
		if rules, err = LoadRules(*rulesFile); err != nil {
			return usagef("--rules: %v", err)
		}
	}
	logger := e.logger(slog.LevelInfo)
	opts := emulator.Options{Logger: logger, Faults: fc, Seed: faultSeed, RequestLog: -1, Rules: rules}
	srv := emulator.New(opts)
	if seedData != nil {
		if err := srv.Seed(seedData); err != nil {
			return usagef("--seed: %v", err)
		}
	}
	for _, c := range controls {
		if *seed != "" && !srv.HasPartner(false, c.Partner) {
			return usagef("--payout-%s %s:%s: partner %s is not in the seed %s", strings.ToLower(string(c.Action)), c.Partner, c.Date, c.Partner, *seed)
		}
		c.Apply(srv)
	}
	fmt.Fprintf(e.stderr, "settle emulator: PortOne platform API emulator on http://%s (Ctrl-C to stop)\n", *addr)
	if rules != nil {
		fmt.Fprintf(e.stderr, "settle emulator: the merchant's rules %s\n", rules.Version())
	}
	if *latency > 0 || *faults != "" {
		fmt.Fprintf(e.stderr, "settle emulator: latency %v, faults %q\n", *latency, *faults)
	}
	for _, c := range controls {
		fmt.Fprintf(e.stderr, "settle emulator: payout control %s\n", c)
	}
	return srv.ListenAndServe(ctx, *addr)
}
