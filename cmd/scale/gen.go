package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// mix is what the generator draws from: the sample marketplace's partners
// and policies (demo/data/marketplace.json, which seeds the emulator).
type mix struct {
	partners  []string
	discounts []string // discount share policy ids
	fees      []string // additional fee policy ids
}

// genCounts is what a generated night holds.
type genCounts struct {
	Orders, Lines, Cancels, FullCancels int
}

// record shapes, in PortOne's request shapes plus paidAt / cancelledAt
// (DESIGN.md §3). Only what the generator sets.
type (
	product struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Amount  int64  `json:"amount"`
		TaxFree int64  `json:"taxFreeAmount,omitempty"`
	}
	discount struct {
		SharePolicyID string `json:"sharePolicyId"`
		Amount        int64  `json:"amount"`
	}
	fee struct {
		PolicyID string `json:"policyId"`
	}
	line struct {
		Product        product    `json:"product"`
		Quantity       int64      `json:"quantity"`
		Discounts      []discount `json:"discounts"`
		AdditionalFees []fee      `json:"additionalFees"`
	}
	order struct {
		PaidAt      string `json:"paidAt"`
		PartnerID   string `json:"partnerId"`
		PaymentID   string `json:"paymentId"`
		OrderDetail struct {
			OrderLines []line `json:"orderLines"`
		} `json:"orderDetail"`
		Discounts      []discount `json:"discounts"`
		AdditionalFees []fee      `json:"additionalFees"`
	}
	cancelLine struct {
		ProductID string     `json:"productId"`
		Quantity  int64      `json:"quantity"`
		Discounts []discount `json:"discounts"`
	}
	cancel struct {
		CancelledAt    string `json:"cancelledAt"`
		PartnerID      string `json:"partnerId"`
		PaymentID      string `json:"paymentId"`
		CancellationID string `json:"cancellationId"`
		OrderDetail    struct {
			OrderLines []cancelLine `json:"orderLines,omitempty"`
			All        *struct{}    `json:"all,omitempty"`
		} `json:"orderDetail"`
		Discounts []discount `json:"discounts"`
	}
)

// generate writes n orders of business date d (three lines each, with line
// and order-level discounts and additional fees drawn from m) as JSON Lines,
// then cancels of about one order in ten (half of them whole, half the last
// line), in the order they happened. The same seed writes the same bytes.
func generate(w io.Writer, n int, d settlement.Date, m mix, seed uint64) (genCounts, error) {
	r := rand.New(rand.NewPCG(seed, 0x5e771e))
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	loc := time.FixedZone("Asia/Seoul", 9*3600)
	day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	var c genCounts
	type cancelled struct {
		partner, payment string
		at               time.Time
		lastLine         string
		lastQty          int64
		full             bool
	}
	var cancels []cancelled
	step := 86400 * time.Second / time.Duration(n+1)
	for i := range n {
		paid := day.Add(time.Duration(i+1) * step)
		o := order{PaidAt: paid.Format(time.RFC3339), PartnerID: m.partners[r.IntN(len(m.partners))],
			PaymentID: fmt.Sprintf("scale-%s-%07d", d, i), Discounts: []discount{}, AdditionalFees: []fee{}}
		for j := range 3 {
			l := line{Product: product{ID: fmt.Sprintf("SKU-%05d", r.IntN(20000)*3+j), Name: "상품 " + fmt.Sprint(j+1),
				Amount: int64(1000 + r.IntN(99)*1000 + r.IntN(1000))}, Quantity: int64(1 + r.IntN(3)),
				Discounts: []discount{}, AdditionalFees: []fee{}}
			if r.IntN(10) == 0 {
				l.Product.TaxFree = l.Product.Amount
			}
			// A discount on a tax-free line would need its own tax-free
			// part; the mix keeps discounts on taxable lines.
			if l.Product.TaxFree == 0 && r.IntN(4) == 0 {
				l.Discounts = append(l.Discounts, discount{SharePolicyID: m.discounts[r.IntN(len(m.discounts))], Amount: l.Product.Amount / 10})
			}
			if r.IntN(3) == 0 {
				l.AdditionalFees = append(l.AdditionalFees, fee{PolicyID: m.fees[r.IntN(len(m.fees))]})
			}
			o.OrderDetail.OrderLines = append(o.OrderDetail.OrderLines, l)
		}
		taxFree := false
		for _, l := range o.OrderDetail.OrderLines {
			taxFree = taxFree || l.Product.TaxFree > 0
		}
		if !taxFree && r.IntN(5) == 0 {
			o.Discounts = append(o.Discounts, discount{SharePolicyID: m.discounts[r.IntN(len(m.discounts))], Amount: 1000})
		}
		if r.IntN(2) == 0 {
			o.AdditionalFees = append(o.AdditionalFees, fee{PolicyID: m.fees[r.IntN(len(m.fees))]})
		}
		if err := enc.Encode(&o); err != nil {
			return c, err
		}
		c.Orders++
		c.Lines += len(o.OrderDetail.OrderLines)
		if r.IntN(10) == 0 {
			at := paid.Add(time.Duration(1+r.IntN(3600)) * time.Second)
			if at.After(day.Add(24*time.Hour - time.Second)) {
				at = day.Add(24*time.Hour - time.Second)
			}
			cancels = append(cancels, cancelled{partner: o.PartnerID, payment: o.PaymentID, at: at,
				lastLine: o.OrderDetail.OrderLines[2].Product.ID, lastQty: o.OrderDetail.OrderLines[2].Quantity, full: r.IntN(2) == 0})
		}
	}
	// Cancels in the order they happened: stable by time, then payment.
	sortCancels := func(a, b cancelled) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.payment < b.payment {
			return -1
		}
		return 1
	}
	slices.SortFunc(cancels, sortCancels)
	for i, x := range cancels {
		cx := cancel{CancelledAt: x.at.Format(time.RFC3339), PartnerID: x.partner, PaymentID: x.payment,
			CancellationID: fmt.Sprintf("cx-%s-%07d", d, i), Discounts: []discount{}}
		if x.full {
			cx.OrderDetail.All = &struct{}{}
			c.FullCancels++
		} else {
			// The last line whole: it takes that line's discounts and fees
			// with it, so the cancel is valid whatever the line carried.
			cx.OrderDetail.OrderLines = []cancelLine{{ProductID: x.lastLine, Quantity: x.lastQty, Discounts: []discount{}}}
		}
		c.Cancels++
		if err := enc.Encode(&cx); err != nil {
			return c, err
		}
	}
	return c, bw.Flush()
}
