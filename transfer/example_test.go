package transfer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// A create whose first answer is lost is retried with the same id; PortOne
// then reports the id as used, and the client adopts the transfer the first
// attempt created instead of failing or posting a second one.
func Example() {
	posts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && posts == 0:
			posts++
			w.WriteHeader(http.StatusBadGateway) // committed, answer lost
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"type":"PLATFORM_TRANSFER_ID_ALREADY_USED","message":"id used"}`)
		default:
			io.WriteString(w, `{"type":"ORDER","id":"tr-2026-03-10-0001","partner":{"id":"partner-A"},
				"status":"SCHEDULED","payment":{"type":"EXTERNAL","id":"pay-1","currency":"KRW"},
				"amount":{"order":10000,"settlement":8900},"orderLines":[],"discounts":[],"additionalFees":[]}`)
		}
	}))
	defer srv.Close()

	c, err := transfer.New(transfer.Config{
		BaseURL: srv.URL, APISecret: "sk_example", TestMode: true,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, // no real waits in the example
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	amount := int64(10000)
	res, err := c.CreateOrderTransfer(context.Background(), transfer.CreateOrderTransferBody{
		ID: "tr-2026-03-10-0001", PartnerID: "partner-A", PaymentID: "pay-1",
		OrderDetail: transfer.OrderDetailInput{OrderAmount: &amount},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Transfer.ID, res.Transfer.Status, res.Transfer.Amount.Settlement, "adopted:", res.Adopted)
	fmt.Println("secret printed:", strings.Contains(fmt.Sprintf("%+v %#v", c, c), "sk_example"))
	// Output:
	// tr-2026-03-10-0001 SCHEDULED 8900 adopted: true
	// secret printed: false
}
