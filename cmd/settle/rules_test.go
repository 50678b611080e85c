package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// TestSettleRulesConfig: SETTLE_RULES is read and validated at start, for
// every command, with errors naming the file and the member; preview
// computes with it.
func TestSettleRulesConfig(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join("..", "..", "testdata", "rules", "helpcenter-custom.json")
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"formulas": {"platformFee": {"formula": "PAYMENT_AMOUNT * FIXED_RAT"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing file", map[string]string{"SETTLE_RULES": filepath.Join(dir, "none.json")}, "SETTLE_RULES: open"},
		{"bad formula", map[string]string{"SETTLE_RULES": bad}, "SETTLE_RULES: " + bad + ": formulas.platformFee.formula: formula platformFee, column 18: unknown variable \"FIXED_RAT\""},
		{"two roundings", map[string]string{"SETTLE_RULES": rules, "SETTLE_ROUNDING": "UP"}, "set the rounding in the rules file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.env, "", "version")
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("settle version with %v = %d: %s\nwant %q", tc.env, r.code, r.stderr, tc.want)
			}
		})
	}

	// Preview of the help center's order: the configured rules compute it.
	in, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rules", "preview", "helpcenter.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(in, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "rules")
	bare, _ := json.Marshal(m)
	settlementOf := func(r result) int64 {
		var out struct {
			Transfer struct{ Amount struct{ Settlement int64 } }
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("preview output: %v\n%s\n%s", err, r.stdout, r.stderr)
		}
		return out.Transfer.Amount.Settlement
	}
	r := runCLI(t, map[string]string{"SETTLE_RULES": rules}, string(bare), "preview")
	if s := settlementOf(r); r.code != exitOK || s != 8944 || !strings.Contains(r.stderr, "computed with the merchant's rules helpcenter-custom@") {
		t.Errorf("preview with SETTLE_RULES = %d, settlement %d, stderr %s; want 8944", r.code, s, r.stderr)
	}
	if s := settlementOf(runCLI(t, nil, string(bare), "preview")); s != 8680 {
		t.Errorf("preview without rules: settlement %d, want PortOne's default 8680", s)
	}
}

// TestEmulatorRulesFlag: `settle emulator --rules FILE` checks the file
// before it serves (errors name the file and the member).
func TestEmulatorRulesFlag(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"variants": {"orderBlock": "MOSTLY"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, nil, "", "emulator", "--rules", bad)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--rules: "+bad+": variants.orderBlock: \"MOSTLY\" is not a choice") {
		t.Errorf("settle emulator --rules with a bad file = %d: %s", r.code, r.stderr)
	}
}

// TestEmulatorPlaysRules: `settle emulator --rules FILE` answers with the
// merchant's formulas: the help center's order gives 800, 256 and 8,944.
func TestEmulatorPlaysRules(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.json")
	if err := os.WriteFile(seed, []byte(`{"contracts": [{"id": "c", "name": "10 %", "platformFee": {"fixedRate": 10000},
		"settlementCycle": {"lagDays": 2, "datePolicy": "CALENDAR_DAY", "method": {"daily": {}}}, "platformFeeVatPayer": "MERCHANT", "subtractPaymentVatAmount": false}],
		"discountSharePolicies": [{"id": "coupon", "name": "coupon", "partnerShareRate": 0}],
		"additionalFeePolicies": [{"id": "pg", "name": "pg", "fee": {"fixedRate": 3200}, "vatPayer": "MERCHANT"}],
		"partners": [{"id": "p", "name": "p", "contact": {"name": "p", "email": "p@example.com"},
			"account": {"bank": "KOOKMIN", "currency": "KRW", "number": "12345678901234", "holder": "p"},
			"defaultContractId": "c", "tags": [], "type": {"nonWhtPayer": {}}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		var out, errb bytes.Buffer
		done <- run(ctx, []string{"emulator", "--addr", addr, "--seed", seed, "--rules", filepath.Join("..", "..", "testdata", "rules", "helpcenter-custom.json")},
			func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	}()
	defer func() {
		cancel()
		<-done
	}()
	c, err := transfer.New(transfer.Config{BaseURL: "http://" + addr, APISecret: "any-secret-1234567", TestMode: true})
	if err != nil {
		t.Fatal(err)
	}
	amount := int64(10000)
	body := transfer.CreateOrderTransferBody{ID: "hc-1", PartnerID: "p", ContractID: "c", PaymentID: "hc-1",
		OrderDetail: transfer.OrderDetailInput{OrderAmount: &amount}, SettlementStartDate: "2025-03-04",
		Discounts: []transfer.DiscountInput{{SharePolicyID: "coupon", Amount: 2000}}, AdditionalFees: []transfer.AdditionalFeeInput{{PolicyID: "pg"}},
		ExternalPaymentDetail: &transfer.ExternalPaymentDetail{Currency: "KRW"}}
	var res transfer.CreateResult
	for range 100 { // until the emulator listens
		if res, err = c.CreateOrderTransfer(ctx, body); err == nil || !strings.Contains(err.Error(), "connection refused") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Transfer.Amount; a.PlatformFee != 800 || a.AdditionalFee != 256 || a.Settlement != 8944 {
		t.Errorf("settle emulator --rules: platform fee %d, additional fee %d, settlement %d; want 800, 256, 8944", a.PlatformFee, a.AdditionalFee, a.Settlement)
	}
}
