package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// payoutSeed is a seed file of one contract (daily, 2 calendar days) and
// one partner, p.
func payoutSeed(t *testing.T) string {
	t.Helper()
	seed := filepath.Join(t.TempDir(), "seed.json")
	err := os.WriteFile(seed, []byte(`{"contracts": [{"id": "c", "name": "10 %", "platformFee": {"fixedRate": 10000},
		"settlementCycle": {"lagDays": 2, "datePolicy": "CALENDAR_DAY", "method": {"daily": {}}}, "platformFeeVatPayer": "MERCHANT", "subtractPaymentVatAmount": false}],
		"partners": [{"id": "p", "name": "p", "contact": {"name": "p", "email": "p@example.com"},
			"account": {"bank": "KOOKMIN", "currency": "KRW", "number": "12345678901234", "holder": "p"},
			"defaultContractId": "c", "tags": [], "type": {"nonWhtPayer": {}}}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// TestEmulatorPayoutFlagsFailEarly: the payout controls of `settle
// emulator` are checked before it serves: the form, the date, a reason
// only for a failed payout, and (with --seed) the partner.
func TestEmulatorPayoutFlagsFailEarly(t *testing.T) {
	seed := payoutSeed(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close() // held: an emulator that got past the checks could not listen either, and would say so
	addr := ln.Addr().String()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no date", []string{"--payout-fail", "p"}, `flag -payout-fail: "p": want PARTNER:DATE[:REASON]`},
		{"no partner", []string{"--payout-withhold", ":2025-10-02"}, `want PARTNER:DATE, e.g.`},
		{"not a date", []string{"--payout-exclude", "p:2025-02-30"}, `"p:2025-02-30": settlement date: date "2025-02-30"`},
		{"reason on a withhold", []string{"--payout-withhold", "p:2025-10-02:why"}, "only a failed payout takes a reason"},
		{"partner not in the seed", []string{"--seed", seed, "--payout-fail", "p-nobody:2025-10-02"}, "partner p-nobody is not in the seed"},
		{"unscheduled of a partner not in the seed", []string{"--seed", seed, "--payout-unscheduled", "q:2025-10-02"}, "--payout-unscheduled q:2025-10-02: partner q"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			r := runCLI(t, nil, "", append([]string{"emulator", "--addr", addr}, c.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "Ctrl-C") {
				t.Errorf("settle emulator %v = %d\nstderr: %s\nwant %d and %q", c.args, r.code, r.stderr, exitUsage, c.want)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s to refuse", took)
			}
		})
	}
}

// TestEmulatorPayoutFlags: an operator's rehearsal of a failed payout and
// of one nobody scheduled, from the command line: p's payout of
// 2025-03-06 fails with the reason given; its settlement of 2025-03-07 is
// left PAYOUT_PREPARED with no payout; the other env (live) has the same
// controls.
func TestEmulatorPayoutFlags(t *testing.T) {
	seed := payoutSeed(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		var out bytes.Buffer
		done <- run(ctx, []string{"emulator", "--addr", addr, "--seed", seed,
			"--payout-fail", "p:2025-03-06:예금주 불일치: 계좌 확인", "--payout-unscheduled", "p:2025-03-07"},
			func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	}()
	var stopped sync.Once
	stop := func() { stopped.Do(func() { cancel(); <-done }) } // after it, errb is ours to read
	defer stop()
	for _, test := range []bool{true, false} {
		c, err := transfer.New(transfer.Config{BaseURL: "http://" + addr, APISecret: "any-secret-1234567", TestMode: test,
			MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		amount := int64(10000)
		for _, start := range []string{"2025-03-04", "2025-03-05"} {
			body := transfer.CreateOrderTransferBody{ID: "o-" + start, PartnerID: "p", ContractID: "c", PaymentID: "o-" + start,
				OrderDetail: transfer.OrderDetailInput{OrderAmount: &amount}, SettlementStartDate: start,
				Discounts: []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
				ExternalPaymentDetail: &transfer.ExternalPaymentDetail{Currency: "KRW"}}
			for range 100 { // until the emulator listens
				if _, err = c.CreateOrderTransfer(ctx, body); err == nil || !strings.Contains(err.Error(), "connection refused") {
					break
				}
				select {
				case code := <-done:
					done <- code // for stop
					t.Fatalf("settle emulator exited %d before serving:\n%s", code, errb.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		var payouts []transfer.Payout
		for p, err := range c.Payouts(ctx, &transfer.PayoutFilter{}) {
			if err != nil {
				t.Fatal(err)
			}
			payouts = append(payouts, p)
		}
		if len(payouts) != 1 || payouts[0].Status != "FAILED" || payouts[0].FailReason != "예금주 불일치: 계좌 확인" ||
			!strings.Contains(payouts[0].ID, "2025-03-06") {
			t.Errorf("test=%v: payouts %+v; want the one of 2025-03-06, FAILED with the reason given", test, payouts)
		}
		statuses := map[string]string{}
		for s, err := range c.PartnerSettlements(ctx, &transfer.PartnerSettlementFilter{SettlementDates: []string{"2025-03-06", "2025-03-07"}}) {
			if err != nil {
				t.Fatal(err)
			}
			statuses[s.SettlementDate] = s.Status
		}
		if statuses["2025-03-06"] != "PAYOUT_FAILED" || statuses["2025-03-07"] != "PAYOUT_PREPARED" {
			t.Errorf("test=%v: settlement statuses %v", test, statuses)
		}
	}
	stop()
	if !strings.Contains(errb.String(), "payout control FAIL p:2025-03-06:예금주 불일치: 계좌 확인") {
		t.Errorf("the emulator does not say which controls it runs with:\n%s", errb.String())
	}
}
