package emulator_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// TestClientRoundTrip drives every operation transfer.Client has against
// the emulator: each answer must decode, and the emulator must understand
// each request as the client encodes it.
func TestClientRoundTrip(t *testing.T) {
	srv, a, _ := seeded(t, emulator.Options{})
	c := newClient(t, a.base, 2)
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	ct, err := c.CreateContract(ctx, transfer.CreateContractBody{
		ID: "c2", Name: "daily", PlatformFee: transfer.FeeInput{FixedAmount: i64(100)}, PlatformFeeVatPayer: "MERCHANT",
		SettlementCycle: transfer.CycleInput{LagDays: 1, DatePolicy: "HOLIDAY_AFTER", Method: transfer.CycleMethodInput{Daily: &struct{}{}}},
	})
	must(err)
	if ct.ID != "c2" || ct.PlatformFee.Type != "FIXED_AMOUNT" {
		t.Errorf("contract %+v", ct)
	}
	name := "renamed"
	ct, err = c.UpdateContract(ctx, "c2", transfer.UpdateContractBody{Name: &name})
	must(err)
	if ct.Name != name || ct.SettlementCycle.Method.Type != "DAILY" {
		t.Errorf("updated contract %+v", ct)
	}
	n := 0
	for _, err := range c.Contracts(ctx, nil) {
		must(err)
		n++
	}
	if n != 2 {
		t.Errorf("%d contracts", n)
	}
	_, err = c.CreateDiscountSharePolicy(ctx, transfer.CreateDiscountSharePolicyBody{ID: "d2", Name: "d", PartnerShareRate: 10000})
	must(err)
	_, err = c.CreateAdditionalFeePolicy(ctx, transfer.CreateAdditionalFeePolicyBody{ID: "f2", Name: "f", Fee: transfer.FeeInput{FixedRate: i64(1000)}, VatPayer: "MERCHANT"})
	must(err)
	if _, err := c.ArchiveDiscountSharePolicy(ctx, "d2"); err != nil {
		t.Error(err)
	}
	if _, err := c.ArchiveAdditionalFeePolicy(ctx, "f2"); err != nil {
		t.Error(err)
	}

	p, err := c.CreatePartner(ctx, transfer.CreatePartnerBody{
		ID: "p3", Name: "P3", Contact: transfer.ContactInput{Name: "Lee", Email: "lee@example.com"},
		Account:           transfer.AccountInput{Bank: "SHINHAN", Currency: "KRW", Number: "110-1", Holder: "Lee"},
		DefaultContractID: "c2", Tags: []string{}, Type: transfer.PartnerTypeInput{NonWhtPayer: &transfer.IndividualInput{}},
	})
	must(err)
	if p.ID != "p3" || p.DefaultContractID != "c2" {
		t.Errorf("partner %+v", p)
	}
	email := "new@example.com"
	p, err = c.UpdatePartner(ctx, "p3", transfer.UpdatePartnerBody{Contact: &transfer.UpdateContactInput{Email: &email}})
	must(err)
	if p.Contact.Email != email || p.Contact.Name != "Lee" {
		t.Errorf("updated partner %+v", p.Contact)
	}
	n = 0
	for _, err := range c.Partners(ctx, &transfer.PartnerFilter{ContractIDs: []string{"contractA"}}) {
		must(err)
		n++
	}
	if n != 2 {
		t.Errorf("%d partners on contractA", n)
	}

	res, err := c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
		ID: "o1", PartnerID: "p3", PaymentID: "pay1", OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(10000)},
	})
	must(err)
	if res.Adopted || res.Transfer.Amount.Settlement != 9900 || res.Transfer.Contract.ID != "c2" {
		t.Errorf("order %+v", res)
	}
	// The same intent again is adopted, not doubled.
	res, err = c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
		ID: "o1", PartnerID: "p3", PaymentID: "pay1", OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(10000)},
	})
	must(err)
	if !res.Adopted || res.Transfer.ID != "o1" {
		t.Errorf("re-post %+v", res)
	}
	// Another id for the same (payment, partner) is adopted through transferId.
	res, err = c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
		ID: "o1-bis", PartnerID: "p3", PaymentID: "pay1", OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(10000)},
	})
	must(err)
	if !res.Adopted || res.Transfer.ID != "o1" {
		t.Errorf("already exists %+v", res)
	}
	// An id reused with another payload is a conflict.
	_, err = c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
		ID: "o1", PartnerID: "p3", PaymentID: "pay1", OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(20000)},
	})
	var conflict *transfer.ConflictError
	if !errors.As(err, &conflict) {
		t.Errorf("conflict: %v", err)
	}
	res, err = c.CreateOrderCancelTransfer(ctx, transfer.CreateOrderCancelTransferBody{
		ID: "x1", TransferID: "o1", CancellationID: "k1", OrderDetail: &transfer.CancelOrderDetailInput{All: &struct{}{}},
	})
	must(err)
	if res.Transfer.Cancellation == nil || res.Transfer.Amount.Order != 10000 {
		t.Errorf("cancel %+v", res.Transfer)
	}
	_, err = c.CreateManualTransfer(ctx, transfer.CreateManualTransferBody{ID: "m1", PartnerID: "p3", SettlementAmount: 5, SettlementDate: "2023-08-31"})
	must(err)

	var types []string
	for s, err := range c.Transfers(ctx, &transfer.TransferFilter{Keyword: &transfer.TransferKeyword{PartnerID: "p3"}}) {
		must(err)
		types = append(types, s.Type)
	}
	if len(types) != 3 {
		t.Errorf("summaries %v", types)
	}
	_, err = c.CreateOrderTransfer(ctx, transfer.CreateOrderTransferBody{
		ID: "o2", PartnerID: "nobody", PaymentID: "pay2", OrderDetail: transfer.OrderDetailInput{OrderAmount: i64(1)},
	})
	if !errors.Is(err, settlement.ErrPartnerNotFound) {
		t.Errorf("unknown partner: %v", err)
	}
	if err := c.DeleteTransfer(ctx, "o1"); !errors.Is(err, settlement.ErrCancelOrderTransfersExists) {
		t.Errorf("delete with cancels: %v", err)
	}
	must(c.DeleteTransfer(ctx, "x1"))
	must(c.DeleteTransfer(ctx, "o1"))
	if _, err := c.GetTransfer(ctx, "o1"); !errors.Is(err, settlement.ErrTransferNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	s, err := c.GetSetting(ctx)
	must(err)
	if s.SettlementAmountType != "GROSS" {
		t.Errorf("setting %+v", s)
	}
	for _, err := range c.PartnerSettlements(ctx, &transfer.PartnerSettlementFilter{}) {
		must(err)
	}
	for _, err := range c.Payouts(ctx, &transfer.PayoutFilter{}) {
		must(err)
	}
	if len(srv.Transfers(false)) != 1 {
		t.Errorf("transfers left: %d", len(srv.Transfers(false)))
	}
	_, err = c.ArchivePartner(ctx, "p3")
	must(err)
}

func TestRunServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	seed := `{"contracts":[{"id":"c","name":"c","platformFee":{"fixedRate":10000},"settlementCycle":{"lagDays":1,"datePolicy":"CALENDAR_DAY","method":{"daily":{}}},"platformFeeVatPayer":"MERCHANT","subtractPaymentVatAmount":false}]}`
	go func() { done <- emulator.Run(ctx, "127.0.0.1:0", emulator.Options{}, strings.NewReader(seed)) }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if err := emulator.Run(t.Context(), "127.0.0.1:0", emulator.Options{}, strings.NewReader(`{"bogus":1}`)); err == nil {
		t.Error("bad seed accepted")
	}
}

func TestServe(t *testing.T) {
	srv := emulator.New(emulator.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/platform/setting")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("status %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
