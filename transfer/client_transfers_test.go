package transfer

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

func TestCreateAdoptsExistingTransfer(t *testing.T) {
	for _, tc := range []struct {
		name, conflict, wantGet string
	}{
		{"id already used", `{"type":"PLATFORM_TRANSFER_ID_ALREADY_USED","message":"used"}`, "/platform/transfers/tr-order-1"},
		{"already exists", `{"type":"PLATFORM_TRANSFER_ALREADY_EXISTS","message":"dup","transferId":"tr-order-1","transferGraphqlId":"g"}`, "/platform/transfers/tr-order-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The first POST commits but its answer is lost (500); the retry
			// meets the duplicate guard; the client adopts the original.
			s := newScript(t,
				reply(500, `{}`),
				reply(409, tc.conflict),
				reply(200, orderTransferJSON))
			c, _ := testClient(t, s.srv.URL)
			res, err := c.CreateOrderTransfer(context.Background(), orderBody())
			if err != nil {
				t.Fatalf("CreateOrderTransfer: %v", err)
			}
			if !res.Adopted || res.Transfer.ID != "tr-order-1" || res.Transfer.Amount.Settlement != 8900 {
				t.Errorf("CreateOrderTransfer = %+v, want the adopted original", res)
			}
			reqs := s.requests()
			if len(reqs) != 3 || reqs[2].Method != http.MethodGet || reqs[2].Path != tc.wantGet {
				t.Fatalf("requests = %+v, want POST, POST, GET %s", reqs, tc.wantGet)
			}
			if string(reqs[0].Body) != string(reqs[1].Body) {
				t.Errorf("the retried POST differs")
			}
		})
	}
}

func TestCreateAlreadyExistsFollowsTransferID(t *testing.T) {
	other := strings.Replace(orderTransferJSON, `"id":"tr-order-1"`, `"id":"tr-legacy"`, 1)
	s := newScript(t,
		reply(409, `{"type":"PLATFORM_TRANSFER_ALREADY_EXISTS","transferId":"tr-legacy","transferGraphqlId":"g"}`),
		reply(200, other))
	c, _ := testClient(t, s.srv.URL)
	res, err := c.CreateOrderTransfer(context.Background(), orderBody())
	if err != nil {
		t.Fatalf("CreateOrderTransfer: %v", err)
	}
	if !res.Adopted || res.Transfer.ID != "tr-legacy" {
		t.Errorf("CreateOrderTransfer = %+v, want tr-legacy adopted", res)
	}
	if got := s.requests()[1].Path; got != "/platform/transfers/tr-legacy" {
		t.Errorf("GET %s, want /platform/transfers/tr-legacy", got)
	}
}

func TestCreateConflictWhenOriginalDiffers(t *testing.T) {
	differing := strings.Replace(orderTransferJSON, `"order":10000`, `"order":12000`, 1)
	s := newScript(t,
		reply(409, `{"type":"PLATFORM_TRANSFER_ID_ALREADY_USED"}`),
		reply(200, differing))
	c, _ := testClient(t, s.srv.URL)
	res, err := c.CreateOrderTransfer(context.Background(), orderBody())
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("CreateOrderTransfer err = %v, want *ConflictError", err)
	}
	if diff := cmp.Diff([]string{"orderDetail.orderAmount"}, ce.Fields); diff != "" {
		t.Errorf("ConflictError.Fields (-want +got):\n%s", diff)
	}
	if ce.ID != "tr-order-1" || ce.Existing.ID != "tr-order-1" || !res.Adopted || res.Transfer.ID != "tr-order-1" {
		t.Errorf("ConflictError = %+v, result %+v: want the original attached", ce, res)
	}
	if !strings.HasPrefix(err.Error(), "create order transfer tr-order-1: ") {
		t.Errorf("error message %q", err)
	}
}

func TestCreateValidatesBeforeSending(t *testing.T) {
	s := newScript(t, reply(200, `{}`))
	c, _ := testClient(t, s.srv.URL)
	ctx := context.Background()
	noID := orderBody()
	noID.ID = ""
	both := orderBody()
	both.OrderDetail.OrderLines = []OrderLineInput{{Product: ProductInput{ID: "A", Name: "a", Amount: 1}, Quantity: 1}}
	neither := orderBody()
	neither.OrderDetail.OrderAmount = nil
	twoMethods := orderBody()
	twoMethods.ExternalPaymentDetail = &ExternalPaymentDetail{Currency: "KRW", Method: &PaymentMethodInput{Card: &struct{}{}, Mobile: &struct{}{}}}
	for _, tc := range []struct {
		name, field string
		call        func() error
	}{
		{"order without id", "id", func() error { _, err := c.CreateOrderTransfer(ctx, noID); return err }},
		{"order with both", "orderDetail", func() error { _, err := c.CreateOrderTransfer(ctx, both); return err }},
		{"order with neither", "orderDetail", func() error { _, err := c.CreateOrderTransfer(ctx, neither); return err }},
		{"two payment methods", "externalPaymentDetail.method", func() error { _, err := c.CreateOrderTransfer(ctx, twoMethods); return err }},
		{"cancel without id", "id", func() error {
			_, err := c.CreateOrderCancelTransfer(ctx, CreateOrderCancelTransferBody{CancellationID: "c", TransferID: "t", OrderDetail: &CancelOrderDetailInput{All: &struct{}{}}})
			return err
		}},
		{"cancel with two forms", "orderDetail", func() error {
			_, err := c.CreateOrderCancelTransfer(ctx, CreateOrderCancelTransferBody{ID: "x", CancellationID: "c", TransferID: "t", OrderDetail: &CancelOrderDetailInput{All: &struct{}{}, OrderAmount: amount(1)}})
			return err
		}},
		{"cancel without original", "transferId", func() error {
			_, err := c.CreateOrderCancelTransfer(ctx, CreateOrderCancelTransferBody{ID: "x", CancellationID: "c", OrderDetail: &CancelOrderDetailInput{All: &struct{}{}}})
			return err
		}},
		{"manual without id", "id", func() error {
			_, err := c.CreateManualTransfer(ctx, CreateManualTransferBody{PartnerID: "p", SettlementAmount: 1, SettlementDate: "2026-01-01"})
			return err
		}},
		{"partner with two types", "type", func() error {
			_, err := c.CreatePartner(ctx, CreatePartnerBody{Name: "n", DefaultContractID: "c", Type: PartnerTypeInput{WhtPayer: &IndividualInput{}, NonWhtPayer: &IndividualInput{}}})
			return err
		}},
		{"contract with two fees", "platformFee", func() error {
			_, err := c.CreateContract(ctx, CreateContractBody{Name: "n", PlatformFee: FeeInput{FixedRate: amount(1), FixedAmount: amount(1)}, SettlementCycle: CycleInput{Method: CycleMethodInput{Daily: &struct{}{}}}})
			return err
		}},
		{"filter with two ranges", "filter", func() error {
			for _, err := range c.Transfers(ctx, &TransferFilter{SettlementDateRange: &DateRange{}, SettlementStartDateRange: &DateRange{}}) {
				return err
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, settlement.ErrInvalidRequest) {
				t.Fatalf("err = %v, want INVALID_REQUEST", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want it to name %s", err, tc.field)
			}
		})
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("%d requests went out for invalid bodies", n)
	}
}

func TestDeleteAndPartnerPaths(t *testing.T) {
	s := newScript(t, reply(200, `{}`), reply(200, `{"partner":{"id":"p1","account":{"number":"1234567890"}}}`))
	c, _ := testClient(t, s.srv.URL)
	ctx := context.Background()
	if err := c.DeleteTransfer(ctx, "tr/1"); err != nil {
		t.Fatalf("DeleteTransfer: %v", err)
	}
	p, err := c.ArchivePartner(ctx, "p1")
	if err != nil || p.ID != "p1" {
		t.Fatalf("ArchivePartner = %+v, %v", p, err)
	}
	reqs := s.requests()
	if reqs[0].Method != http.MethodDelete || reqs[0].Path != "/platform/transfers/tr/1" {
		t.Errorf("delete went to %s %s", reqs[0].Method, reqs[0].Path)
	}
	if reqs[1].Method != http.MethodPost || reqs[1].Path != "/platform/partners/p1/archive" {
		t.Errorf("archive went to %s %s", reqs[1].Method, reqs[1].Path)
	}
}
