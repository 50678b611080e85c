package transfer_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// The client's surface, each method with the issue that uses it, driven
// through the real client against the emulator over loopback. The steps
// run in order on one emulator: later steps use what earlier ones made.

const rigSecret = "sk_surface_test"

var kst = time.FixedZone("KST", 9*60*60)

func i64(n int64) *int64   { return &n }
func str(s string) *string { return &s }
func yes() *bool           { b := true; return &b }

// rig is an emulator seeded, in both environments, with contract c-seed
// (10 %, daily, one day lag) and partner p-seed on it, and a client in
// the given mode.
type rig struct {
	srv *emulator.Server
	c   *transfer.Client
}

func newRig(t *testing.T, testMode bool) *rig {
	t.Helper()
	clk := emulator.NewClock(time.Date(2023, 8, 11, 9, 0, 0, 0, kst))
	srv, base := emulator.NewTestServer(t, emulator.Options{Now: clk.Now, Secret: rigSecret})
	partner := `{"id":"p-seed","name":"Seed","contact":{"name":"Kim","email":"kim@example.com"},
		"account":{"bank":"KOOKMIN","currency":"KRW","number":"123-456-789012","holder":"Kim"},
		"defaultContractId":"c-seed","tags":[],"type":{"nonWhtPayer":{}}}`
	if err := srv.SeedWith(emulator.SeedData{
		Contracts: []transfer.CreateContractBody{{
			ID: "c-seed", Name: "seed", PlatformFee: transfer.FeeInput{FixedRate: i64(10000)}, PlatformFeeVatPayer: "PARTNER",
			SettlementCycle: transfer.CycleInput{LagDays: 1, DatePolicy: "CALENDAR_DAY", Method: transfer.CycleMethodInput{Daily: &struct{}{}}},
		}},
		Partners: []json.RawMessage{json.RawMessage(partner)},
	}); err != nil {
		t.Fatal(err)
	}
	c, err := transfer.New(transfer.Config{BaseURL: base, APISecret: rigSecret, TestMode: testMode,
		MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{srv: srv, c: c}
}

// must(call(...))(t) is call's value, or fails t with its error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// count drains an iterator and returns how many items it yielded.
func count[T any](t *testing.T, seq func(yield func(T, error) bool)) int {
	t.Helper()
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

type step struct {
	issue   string // who uses the method
	methods []string
	run     func(t *testing.T, r *rig)
}

// surface is every exported method of *transfer.Client. Pipeline methods
// are what jobs calls every night; #13 (corrections), #15 (payouts) and
// #16 (`settle calibrate` setting up probes in test mode) are the next
// issues that keep the rest.
var surface = []step{
	{"#16 calibrate", []string{"CreateContract", "GetContract", "UpdateContract"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		in := transfer.CreateContractBody{ID: "c-probe", Name: "probe", PlatformFee: transfer.FeeInput{FixedAmount: i64(300)}, PlatformFeeVatPayer: "MERCHANT",
			SettlementCycle: transfer.CycleInput{LagDays: 2, DatePolicy: "HOLIDAY_BEFORE", Method: transfer.CycleMethodInput{Monthly: &transfer.MonthlyInput{DaysOfMonth: []int{29, 30}}}}}
		if ct := must(r.c.CreateContract(ctx, in))(t); ct.ID != "c-probe" || ct.PlatformFee.Type != "FIXED_AMOUNT" {
			t.Errorf("created %+v", ct)
		}
		if ct := must(r.c.GetContract(ctx, "c-probe"))(t); ct.SettlementCycle.Method.Type != "MONTHLY" || !slices.Equal(ct.SettlementCycle.Method.DaysOfMonth, []int{29, 30}) {
			t.Errorf("got %+v", ct.SettlementCycle)
		}
		if ct := must(r.c.UpdateContract(ctx, "c-probe", transfer.UpdateContractBody{Name: str("probe 2")}))(t); ct.Name != "probe 2" {
			t.Errorf("updated %+v", ct)
		}
	}},
	{"#16 calibrate", []string{"CreateDiscountSharePolicy", "GetDiscountSharePolicy", "UpdateDiscountSharePolicy"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(r.c.CreateDiscountSharePolicy(ctx, transfer.CreateDiscountSharePolicyBody{ID: "d-probe", Name: "half", PartnerShareRate: 50000}))(t)
		if p := must(r.c.UpdateDiscountSharePolicy(ctx, "d-probe", transfer.UpdateDiscountSharePolicyBody{PartnerShareRate: i64(33333)}))(t); p.PartnerShareRate != 33333 {
			t.Errorf("updated %+v", p)
		}
		if p := must(r.c.GetDiscountSharePolicy(ctx, "d-probe"))(t); p.PartnerShareRate != 33333 {
			t.Errorf("got %+v", p)
		}
	}},
	{"#16 calibrate", []string{"CreateAdditionalFeePolicy", "GetAdditionalFeePolicy", "UpdateAdditionalFeePolicy"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(r.c.CreateAdditionalFeePolicy(ctx, transfer.CreateAdditionalFeePolicyBody{ID: "f-probe", Name: "pg", Fee: transfer.FeeInput{FixedRate: i64(3200)}, VatPayer: "PARTNER"}))(t)
		if p := must(r.c.UpdateAdditionalFeePolicy(ctx, "f-probe", transfer.UpdateAdditionalFeePolicyBody{Fee: &transfer.FeeInput{FixedAmount: i64(70)}}))(t); p.Fee.Type != "FIXED_AMOUNT" {
			t.Errorf("updated %+v", p)
		}
		if p := must(r.c.GetAdditionalFeePolicy(ctx, "f-probe"))(t); p.Fee.Amount == nil || *p.Fee.Amount != 70 {
			t.Errorf("got %+v", p.Fee)
		}
	}},
	{"#16 calibrate", []string{"CreatePartner", "GetPartner", "UpdatePartner"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		must(r.c.CreatePartner(ctx, transfer.CreatePartnerBody{ID: "p-probe", Name: "probe", DefaultContractID: "c-probe",
			Contact: transfer.ContactInput{Name: "Lee", Email: "lee@example.com"},
			Account: transfer.AccountInput{Bank: "SHINHAN", Currency: "KRW", Number: "110-123-456789", Holder: "Lee"},
			Type:    transfer.PartnerTypeInput{WhtPayer: &transfer.IndividualInput{}}}))(t)
		if p := must(r.c.UpdatePartner(ctx, "p-probe", transfer.UpdatePartnerBody{Memo: str("calibration probe")}))(t); p.Memo != "calibration probe" {
			t.Errorf("updated %+v", p)
		}
		if p := must(r.c.GetPartner(ctx, "p-probe"))(t); p.DefaultContractID != "c-probe" || p.Type.Type != "WHT_PAYER" {
			t.Errorf("got %+v", p)
		}
	}},
	{"#16 calibrate", []string{"UpdateSetting", "GetSetting"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		s := must(r.c.UpdateSetting(ctx, transfer.UpdateSettingBody{AdjustSettlementDateAfterHolidayIfEarlier: yes(), SettlementAmountType: str("NET")}))(t)
		if !s.AdjustSettlementDateAfterHolidayIfEarlier || s.SettlementAmountType != "NET" {
			t.Errorf("updated %+v", s)
		}
		if s := must(r.c.GetSetting(ctx))(t); !s.AdjustSettlementDateAfterHolidayIfEarlier || s.SettlementAmountType != "NET" {
			t.Errorf("got %+v", s)
		}
	}},
	{"pipeline", []string{"Contracts", "DiscountSharePolicies", "AdditionalFeePolicies", "Partners"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		for name, got := range map[string]int{
			"contracts":               count(t, r.c.Contracts(ctx, nil)),
			"discount share policies": count(t, r.c.DiscountSharePolicies(ctx, nil)),
			"additional fee policies": count(t, r.c.AdditionalFeePolicies(ctx, nil)),
			"partners":                count(t, r.c.Partners(ctx, &transfer.PartnerFilter{ContractIDs: []string{"c-probe"}})),
		} {
			want := map[string]int{"contracts": 2, "discount share policies": 1, "additional fee policies": 1, "partners": 1}[name]
			if got != want {
				t.Errorf("%d %s, want %d", got, name, want)
			}
		}
	}},
	{"pipeline", []string{"CreateOrderTransfer", "CreateOrderCancelTransfer", "GetTransfer", "Transfers", "TransferStates"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		o := must(r.c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{ID: "tr-o1", PartnerID: "p-seed", PaymentID: "pay-1",
			OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(10000)}}))(t)
		if o.Adopted || o.Transfer.Amount.Settlement != 8900 {
			t.Errorf("order %+v", o)
		}
		x := must(r.c.CreateOrderCancelTransfer(ctx, transfer.CreateOrderCancelTransferBody{ID: "tr-x1", TransferID: "tr-o1", CancellationID: "k-1",
			OrderDetail: &transfer.CancelOrderDetailInput{OrderAmount: i64(4000)}}))(t)
		if x.Transfer.Cancellation == nil || x.Transfer.Cancellation.ID != "k-1" {
			t.Errorf("cancel %+v", x.Transfer)
		}
		if g := must(r.c.GetTransfer(ctx, "tr-x1"))(t); g.Type != "ORDER_CANCEL" {
			t.Errorf("get %+v", g)
		}
		if n := count(t, r.c.Transfers(ctx, &transfer.TransferFilter{Keyword: &transfer.TransferKeyword{PartnerID: "p-seed"}})); n != 2 {
			t.Errorf("%d transfers of p-seed, want 2", n)
		}
		states := map[string]transfer.TransferState{}
		for s, err := range r.c.TransferStates(ctx, &transfer.TransferFilter{Keyword: &transfer.TransferKeyword{PartnerID: "p-seed"}}) {
			if err != nil {
				t.Fatal(err)
			}
			states[s.ID] = s
		}
		xs, xok := states["tr-x1"].Settlement()
		if o := states["tr-o1"]; len(states) != 2 || o.Type != "ORDER" || o.Partner.ID != "p-seed" || o.PaymentID() != "pay-1" ||
			o.Amount == nil || o.Amount.Settlement != 8900 || o.SettlementDate == "" || !xok || (xs != 3560 && xs != -3560) {
			t.Errorf("states of p-seed: %+v", states)
		}
	}},
	{"#13 corrections", []string{"CreateManualTransfer", "DeleteTransfer"}, func(t *testing.T, r *rig) {
		ctx := t.Context()
		m := must(r.c.CreateManualTransfer(ctx, transfer.CreateManualTransferBody{ID: "tr-m1", PartnerID: "p-seed", SettlementAmount: -1200, SettlementDate: "2023-08-31", Memo: "correction"}))(t)
		if m.Transfer.Type != "MANUAL" || m.Transfer.SettlementAmount == nil || *m.Transfer.SettlementAmount != -1200 {
			t.Errorf("manual %+v", m.Transfer)
		}
		if err := r.c.DeleteTransfer(ctx, "tr-o1"); !errors.Is(err, settlement.ErrCancelOrderTransfersExists) {
			t.Errorf("delete an order with a cancel: %v, want PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS", err)
		}
		for _, id := range []string{"tr-m1", "tr-x1", "tr-o1"} {
			if err := r.c.DeleteTransfer(ctx, id); err != nil {
				t.Fatalf("delete %s: %v", id, err)
			}
		}
		if _, err := r.c.GetTransfer(ctx, "tr-o1"); !errors.Is(err, settlement.ErrTransferNotFound) {
			t.Errorf("get a deleted transfer: %v, want PLATFORM_TRANSFER_NOT_FOUND", err)
		}
	}},
	{"#15 payouts", []string{"PartnerSettlements", "Payouts"}, func(t *testing.T, r *rig) {
		// The emulator answers both lists empty until issue #15 builds them.
		ctx := t.Context()
		count(t, r.c.PartnerSettlements(ctx, &transfer.PartnerSettlementFilter{SettlementDates: []string{"2023-08-31"}}))
		count(t, r.c.Payouts(ctx, &transfer.PayoutFilter{PartnerIDs: []string{"p-seed"}}))
	}},
	{"#16 calibrate", []string{"ArchivePartner", "ArchiveContract", "ArchiveDiscountSharePolicy", "ArchiveAdditionalFeePolicy"}, func(t *testing.T, r *rig) {
		// A probe run cleans up after itself.
		ctx := t.Context()
		if p := must(r.c.ArchivePartner(ctx, "p-probe"))(t); !p.IsArchived {
			t.Errorf("partner not archived: %+v", p)
		}
		if ct := must(r.c.ArchiveContract(ctx, "c-probe"))(t); !ct.IsArchived {
			t.Errorf("contract not archived: %+v", ct)
		}
		if p := must(r.c.ArchiveDiscountSharePolicy(ctx, "d-probe"))(t); !p.IsArchived {
			t.Errorf("policy not archived: %+v", p)
		}
		if p := must(r.c.ArchiveAdditionalFeePolicy(ctx, "f-probe"))(t); !p.IsArchived {
			t.Errorf("policy not archived: %+v", p)
		}
	}},
}

// TestSurface runs every method of the client against the emulator, in
// live and in test mode, and checks that every request named its
// environment explicitly: PortOne lets a body's isForTest decide when the
// `test` query parameter is absent (release note 2025-10-02), so a call
// without it can land in the other environment (issue #10.7).
func TestSurface(t *testing.T) {
	for _, testMode := range []bool{false, true} {
		t.Run("test="+strconv.FormatBool(testMode), func(t *testing.T) {
			r := newRig(t, testMode)
			for _, s := range surface {
				if !t.Run(s.issue+"/"+strings.Join(s.methods, ","), func(t *testing.T) { s.run(t, r) }) {
					t.FailNow() // later steps build on this one
				}
			}
			kinds := map[string]bool{}
			for _, req := range r.srv.Requests() {
				q, err := url.ParseQuery(req.Query)
				if err != nil {
					t.Fatalf("%s %s?%s: %v", req.Method, req.Path, req.Query, err)
				}
				if got := q["test"]; len(got) != 1 || got[0] != strconv.FormatBool(testMode) {
					t.Errorf("%s %s?%s: test=%v, want exactly test=%t", req.Method, req.Path, req.Query, got, testMode)
				}
				kind := req.Method
				if q.Has("requestBody") {
					kind += " list"
				}
				kinds[kind] = true
			}
			for _, k := range []string{http.MethodPost, http.MethodGet, http.MethodGet + " list", http.MethodPatch, http.MethodDelete} {
				if !kinds[k] {
					t.Errorf("no %s request among the surface's: the check above saw none", k)
				}
			}
		})
	}
}

// TestSurfaceIsComplete fails when a method of *transfer.Client has no step
// in surface: every method is kept for a caller and tested against the
// emulator, or it goes.
func TestSurfaceIsComplete(t *testing.T) {
	tested := map[string]bool{}
	for _, s := range surface {
		for _, m := range s.methods {
			tested[m] = true
		}
	}
	typ := reflect.TypeFor[*transfer.Client]()
	for i := range typ.NumMethod() {
		name := typ.Method(i).Name
		switch name {
		case "String", "GoString", "Format":
			continue
		}
		if !tested[name] {
			t.Errorf("(*transfer.Client).%s has no step in surface", name)
		}
		delete(tested, name)
	}
	for name := range tested {
		t.Errorf("surface names %s, which *transfer.Client does not have", name)
	}
}

// TestLiveClientIgnoresTheBodyFlag: a live client posting a body that says
// isForTest lands in the live environment, where settle tracks it; before
// the explicit test=false it landed in PortOne's test environment.
func TestLiveClientIgnoresTheBodyFlag(t *testing.T) {
	for _, testMode := range []bool{false, true} {
		r := newRig(t, testMode)
		flag := !testMode
		must(r.c.CreateOrderTransfer(t.Context(), transfer.CreateOrderTransferBody{ID: "tr-flag", PartnerID: "p-seed", PaymentID: "pay-flag",
			OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(1000)}, IsForTest: &flag}))(t)
		if n, other := len(r.srv.Transfers(testMode)), len(r.srv.Transfers(!testMode)); n != 1 || other != 0 {
			t.Errorf("client test=%t, body isForTest=%t: %d transfers in the client's environment and %d in the other, want 1 and 0", testMode, flag, n, other)
		}
	}
}
