package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// Transfers: the three creates with their idempotency contract (adoption on
// PortOne's duplicate answers), get, delete and the summaries list.

// CreateResult is the outcome of a create: the transfer PortOne holds, and
// whether it already existed (a previous attempt or run created it, and this
// call adopted it rather than creating another).
type CreateResult struct {
	Transfer Transfer
	// Raw is Transfer's JSON as PortOne sent it, for ObserveCreated: a
	// million answers a night are trimmed from these bytes instead of
	// being encoded again. Empty when the answer was not decoded from
	// bytes.
	Raw     json.RawMessage
	Adopted bool
}

// ConflictError reports that the id we posted (or the payment and partner we
// posted for) already belongs to a transfer that differs from what we meant
// to create: reusing an id with another payload is a bug upstream, never
// something to paper over. Existing is that transfer.
type ConflictError struct {
	ID       string
	Fields   []string
	Existing Transfer
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("transfer %s already exists and differs in %s", e.ID, strings.Join(e.Fields, ", "))
}

// CreateOrderTransfer posts an ORDER transfer. b.ID is required: the same
// body and id go out on every attempt. If PortOne answers 409
// PLATFORM_TRANSFER_ID_ALREADY_USED or PLATFORM_TRANSFER_ALREADY_EXISTS, the
// existing transfer is fetched and returned with Adopted set; if it differs
// from b (see Differs) the result is returned together with a *ConflictError.
// Other errors: *settlement.Error INVALID_REQUEST for a body that cannot be
// sent; *APIError for PortOne's answers; the context's error.
func (c *Client) CreateOrderTransfer(ctx context.Context, b CreateOrderTransferBody) (CreateResult, error) {
	if err := ValidateOrderBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("create order transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/order", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("create order transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// CreateOrderCancelTransfer posts an ORDER_CANCEL transfer, with the same
// idempotency contract as CreateOrderTransfer.
func (c *Client) CreateOrderCancelTransfer(ctx context.Context, b CreateOrderCancelTransferBody) (CreateResult, error) {
	if err := ValidateCancelBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("create order cancel transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/order-cancel", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("create order cancel transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// CreateManualTransfer posts a MANUAL transfer, with the same idempotency
// contract as CreateOrderTransfer.
func (c *Client) CreateManualTransfer(ctx context.Context, b CreateManualTransferBody) (CreateResult, error) {
	if err := ValidateManualBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("create manual transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/manual", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("create manual transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// create posts body and adopts the existing transfer on the two duplicate
// answers.
func (c *Client) create(ctx context.Context, path, id string, body any, differs func(Transfer) []string) (CreateResult, error) {
	var out transferAnswer
	err := c.post(ctx, path, body, &out)
	if err == nil {
		return CreateResult{Transfer: out.transfer, Raw: out.raw}, nil
	}
	existing := ""
	var dup *TransferAlreadyExists
	switch {
	case errors.As(err, &dup) && dup.TransferID != "":
		existing = dup.TransferID
	case errors.Is(err, settlement.ErrTransferIDAlreadyUsed), errors.Is(err, settlement.ErrTransferAlreadyExists):
		existing = id
	default:
		return CreateResult{}, err
	}
	got, gerr := c.getTransfer(ctx, existing)
	if gerr != nil {
		return CreateResult{}, fmt.Errorf("adopt existing transfer %s: %w (after %v)", existing, gerr, err)
	}
	res := CreateResult{Transfer: got.transfer, Raw: got.raw, Adopted: true}
	if fields := differs(got.transfer); len(fields) > 0 {
		return res, &ConflictError{ID: existing, Fields: fields, Existing: got.transfer}
	}
	return res, nil
}

// sentTransfer is a transfer decoded from PortOne's answer together with
// the bytes it was decoded from.
type sentTransfer struct {
	transfer Transfer
	raw      json.RawMessage
}

// UnmarshalJSON decodes the transfer and keeps a copy of data.
func (t *sentTransfer) UnmarshalJSON(data []byte) error { return t.decode(bytes.Clone(data)) }

// decode decodes the transfer and keeps data itself (null keeps nothing).
func (t *sentTransfer) decode(data []byte) error {
	if err := t.transfer.UnmarshalJSON(data); err != nil {
		return err
	}
	if !bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		t.raw = data
	}
	return nil
}

// transferAnswer is a create's answer, {"transfer": {...}}: the transfer
// with its bytes.
type transferAnswer struct{ sentTransfer }

// UnmarshalJSON is decodeBody.
func (a *transferAnswer) UnmarshalJSON(data []byte) error { return a.decodeBody(data) }

// decodeBody decodes the member transfer of the answer, the rest
// validated and skipped as encoding/json would (a repeated name and invalid
// UTF-8 are allowed, the last member named transfer counts, its name
// matched without regard to case), in one pass: sentTransfer keeps a copy
// of the member's bytes. An answer without it is a zero transfer, as a
// struct field would be.
func (a *transferAnswer) decodeBody(data []byte) error {
	var out struct {
		Transfer *sentTransfer `json:"transfer"`
	}
	out.Transfer = &a.sentTransfer
	return unmarshal(data, &out)
}

// GetTransfer fetches a transfer of any type. Errors: *APIError
// PLATFORM_TRANSFER_NOT_FOUND.
func (c *Client) GetTransfer(ctx context.Context, id string) (Transfer, error) {
	t, err := c.getTransfer(ctx, id)
	if err != nil {
		return Transfer{}, fmt.Errorf("get transfer %s: %w", id, err)
	}
	return t.transfer, nil
}

func (c *Client) getTransfer(ctx context.Context, id string) (sentTransfer, error) {
	var t sentTransfer
	err := c.do(ctx, call{method: http.MethodGet, path: "/platform/transfers/" + pathID(id)}, &t)
	return t, err
}

// DeleteTransfer deletes a transfer (SCHEDULED, IN_PROCESS or SETTLED).
// Errors: *APIError PLATFORM_TRANSFER_NOT_FOUND,
// PLATFORM_TRANSFER_NON_DELETABLE_STATUS, PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS.
// A retried delete whose first attempt went through answers
// PLATFORM_TRANSFER_NOT_FOUND; callers that retry deletes across runs treat
// that as done.
func (c *Client) DeleteTransfer(ctx context.Context, id string) error {
	if err := c.do(ctx, call{method: http.MethodDelete, path: "/platform/transfers/" + pathID(id)}, nil); err != nil {
		return fmt.Errorf("delete transfer %s: %w", id, err)
	}
	return nil
}

// listTransferSummaries fetches one page of transfer summaries
// (GET /platform/transfer-summaries).
func (c *Client) listTransferSummaries(ctx context.Context, p PageInput, f *TransferFilter) ([]TransferSummary, PageInfo, error) {
	if err := f.Validate(); err != nil {
		return nil, PageInfo{}, fmt.Errorf("list transfer summaries: %w", err)
	}
	var out struct {
		TransferSummaries []TransferSummary `json:"transferSummaries"`
		Page              PageInfo          `json:"page"`
	}
	if err := c.list(ctx, "/platform/transfer-summaries", listBody{Page: &p, Filter: filterOrNil(f)}, &out); err != nil {
		return nil, PageInfo{}, fmt.Errorf("list transfer summaries: %w", err)
	}
	return out.TransferSummaries, out.Page, nil
}

// Transfers iterates over every transfer summary matching f (nil for all),
// Config.ListPageSize a page, Config.ListPages pages at once:
//
//	for t, err := range c.Transfers(ctx, f) { ... }
func (c *Client) Transfers(ctx context.Context, f *TransferFilter) iter.Seq2[TransferSummary, error] {
	return paginatePages(ctx, f, c.listTransferSummaries, c.pageSz, c.pages)
}
