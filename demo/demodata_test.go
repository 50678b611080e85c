package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/intake"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

var update = flag.Bool("update", false, "rewrite golden files: here the demo data files, from Generate(DefaultSeed)")

func generated(t *testing.T) map[string][]byte {
	t.Helper()
	m, o, b, err := Generate(DefaultSeed)
	if err != nil {
		t.Fatalf("Generate(%d): %v", DefaultSeed, err)
	}
	return map[string][]byte{MarketplaceFile: m, OrdersFile: o, BadFile: b}
}

// firstDiff names the first line where got and want differ, without
// printing the marketplace (it holds bank account numbers).
func firstDiff(name string, got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) {
			if name == MarketplaceFile {
				return "line " + strconv.Itoa(i+1)
			}
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + clip(string(gl)) + "\n  generated: " + clip(string(wl))
		}
	}
	return "same lines"
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestFiles writes the files with -update, and otherwise checks that the
// embedded files (the one copy, demo/data/) are exactly what
// Generate(DefaultSeed) produces.
func TestFiles(t *testing.T) {
	want := generated(t)
	if *update {
		for name, data := range want {
			if err := os.WriteFile(filepath.Join("data", name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("wrote %s, %s and %s to demo/data", MarketplaceFile, OrdersFile, BadFile)
		return
	}
	embedded := map[string][]byte{MarketplaceFile: Marketplace(), OrdersFile: Orders(), BadFile: Bad()}
	for name, w := range want {
		if got := embedded[name]; !bytes.Equal(got, w) {
			t.Errorf("embedded data/%s differs from Generate(%d) at %s\n(run: go test ./demo -update)", name, DefaultSeed, firstDiff(name, got, w))
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	m1, o1, b1, err := Generate(7)
	if err != nil {
		t.Fatal(err)
	}
	m2, o2, b2, err := Generate(7)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m1, m2) || !bytes.Equal(o1, o2) || !bytes.Equal(b1, b2) {
		t.Fatal("Generate(7) twice gave different bytes")
	}
	_, o3, _, err := Generate(8)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(o1, o3) {
		t.Fatal("Generate(7) and Generate(8) gave the same orders")
	}
}

func TestMarketplaceSeedsEmulator(t *testing.T) {
	s := emulator.New(emulator.Options{})
	if err := s.Seed(bytes.NewReader(Marketplace())); err != nil {
		t.Fatalf("Seed: %v", err)
	}

	var d emulator.SeedData
	if err := json.Unmarshal(Marketplace(), &d); err != nil {
		t.Fatal(err)
	}
	var business, wht, nonWht int
	contracts := map[string]bool{}
	for _, c := range d.Contracts {
		contracts[c.ID] = true
	}
	used := map[string]bool{}
	for i, raw := range d.Partners {
		var p transfer.CreatePartnerBody
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		if !contracts[p.DefaultContractID] {
			t.Errorf("partners[%d] %s: defaultContractId %q is not a contract", i, p.ID, p.DefaultContractID)
		}
		used[p.DefaultContractID] = true
		switch {
		case p.Type.Business != nil:
			business++
			b := p.Type.Business
			if len(b.BusinessRegistrationNumber) != 10 || strings.Trim(b.BusinessRegistrationNumber, "0123456789") != "" {
				t.Errorf("partners[%d] %s: businessRegistrationNumber is not 10 digits", i, p.ID)
			}
			if b.TaxationType != "NORMAL" && b.TaxationType != "TAX_FREE" {
				t.Errorf("partners[%d] %s: taxationType %q", i, p.ID, b.TaxationType)
			}
		case p.Type.WhtPayer != nil:
			wht++
		case p.Type.NonWhtPayer != nil:
			nonWht++
		}
	}
	if len(d.Partners) < 6 || business == 0 || wht == 0 || nonWht == 0 {
		t.Errorf("partners: %d (business %d, whtPayer %d, nonWhtPayer %d), want at least 6 with every type", len(d.Partners), business, wht, nonWht)
	}
	for id := range contracts {
		if !used[id] {
			t.Errorf("contract %s is no partner's default", id)
		}
	}

	// The shapes the brief asks for.
	var rate, amount, partner, merchant, subtract int
	methods := map[string]bool{}
	policies := map[string]bool{}
	for _, c := range d.Contracts {
		if c.PlatformFee.FixedRate != nil {
			rate++
		}
		if c.PlatformFee.FixedAmount != nil {
			amount++
		}
		switch c.PlatformFeeVatPayer {
		case "PARTNER":
			partner++
		case "MERCHANT":
			merchant++
		}
		if c.SubtractPaymentVatAmount {
			subtract++
		}
		m := c.SettlementCycle.Method
		switch {
		case m.Daily != nil:
			methods["DAILY"] = true
		case m.Weekly != nil:
			methods["WEEKLY"] = true
		case m.Monthly != nil:
			methods["MONTHLY"] = true
		}
		policies[c.SettlementCycle.DatePolicy] = true
	}
	if rate == 0 || amount == 0 || partner == 0 || merchant == 0 || subtract == 0 || len(methods) != 3 || len(policies) != 3 {
		t.Errorf("contracts: rate %d, amount %d, PARTNER %d, MERCHANT %d, subtract %d, methods %v, date policies %v",
			rate, amount, partner, merchant, subtract, methods, policies)
	}
}

// TestOrdersAreValid replays OrdersFile through the engine (every record
// accepted) and then BadFile (every record refused), and decodes every
// line of both with settle's own record decoder.
func TestOrdersAreValid(t *testing.T) {
	c, err := NewChecker(Marketplace(), Location())
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range c.CheckAll(Orders()) {
		if err != nil {
			t.Errorf("%s line %d: %v", OrdersFile, i+1, err)
		}
	}
	n := c.Counts()
	for i, err := range c.CheckAll(Bad()) {
		if err == nil {
			t.Errorf("%s line %d: accepted, want rejected", BadFile, i+1)
		} else {
			t.Logf("%s line %d: rejected: %v", BadFile, i+1, err)
		}
	}
	bad := c.Counts().Rejected
	t.Logf("orders %d (lines %d, amount %d, external %d); cancels %d (partial %d, full %d); bad %d",
		n.Orders, n.LineOrders, n.AmountOrders, n.External, n.Cancels, n.Partial, n.Full, bad)
	if n.Orders < 1800 || n.Orders > 2200 || n.LineOrders == 0 || n.AmountOrders == 0 || n.External == 0 {
		t.Errorf("orders: %+v", n)
	}
	if p := n.Partial * 100 / n.Orders; p < 7 || p > 10 {
		t.Errorf("partial cancels: %d of %d orders", n.Partial, n.Orders)
	}
	if p := n.Full * 100 / n.Orders; p < 3 || p > 5 {
		t.Errorf("full cancels: %d of %d orders", n.Full, n.Orders)
	}
	if bad < 5 || bad > 10 {
		t.Errorf("bad records: %d, want 5..10", bad)
	}
	if len(Orders()) > 2<<20 {
		t.Errorf("%s is %d bytes, want well under 2 MB", OrdersFile, len(Orders()))
	}

	// settle's decoder reads every valid record; the bad file has at least
	// one record it refuses by itself (the others need the engine).
	loc := Location()
	eachLine(t, Orders(), func(i int, line []byte) {
		if _, err := intake.DecodeRecord(line, loc); err != nil {
			t.Errorf("%s line %d: intake.DecodeRecord: %v", OrdersFile, i, err)
		}
	})
	refused := 0
	eachLine(t, Bad(), func(i int, line []byte) {
		if _, err := intake.DecodeRecord(line, loc); err != nil {
			refused++
		}
	})
	if refused == 0 {
		t.Errorf("%s: intake.DecodeRecord accepted every record", BadFile)
	}
}

func eachLine(t *testing.T, data []byte, f func(int, []byte)) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for i := 1; sc.Scan(); i++ {
		f(i, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestShape checks what the demo relies on: ids, instants within the week
// and in Asia/Seoul, required arrays sent as [], cancels after their
// orders, and external cancels for external payments.
func TestShape(t *testing.T) {
	from, to := Week()
	start, end := from.Time(Location()), to.AddDays(1).Time(Location())
	paid := map[string]time.Time{}
	external := map[string]bool{}
	seenCancel := false
	var twice, takesRest int
	cancelsOf := map[string]int{}
	eachLine(t, Orders(), func(i int, line []byte) {
		var obj map[string]any
		if err := json.Unmarshal(line, &obj); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if _, ok := obj["cancellationId"]; ok {
			seenCancel = true
			var b transfer.CreateOrderCancelTransferBody
			mustUnmarshal(t, line, &b)
			at := mustInstant(t, i, obj["cancelledAt"])
			p, ok := paid[b.PaymentID]
			if !ok {
				t.Errorf("line %d: cancel of %s before (or without) its order", i, b.PaymentID)
			}
			if !at.After(p) || !at.Before(end) {
				t.Errorf("line %d: cancelledAt %s not after paidAt %s and within the week", i, at, p)
			}
			if (b.ExternalCancellationDetail != nil) != external[b.PaymentID] {
				t.Errorf("line %d: externalCancellationDetail does not match the payment", i)
			}
			if _, ok := obj["discounts"].([]any); !ok {
				t.Errorf("line %d: discounts not an array", i)
			}
			cancelsOf[b.PaymentID]++
			if cancelsOf[b.PaymentID] == 2 {
				twice++
				if b.OrderDetail.All == nil {
					takesRest++
				}
			}
			return
		}
		if seenCancel {
			t.Errorf("line %d: order after the cancellations", i)
		}
		var b transfer.CreateOrderTransferBody
		mustUnmarshal(t, line, &b)
		at := mustInstant(t, i, obj["paidAt"])
		if at.Before(start) || !at.Before(end) {
			t.Errorf("line %d: paidAt %s outside the week", i, at)
		}
		if want := "pay-" + at.Format("20060102") + "-"; !strings.HasPrefix(b.PaymentID, want) {
			t.Errorf("line %d: paymentId %s for paidAt %s", i, b.PaymentID, at)
		}
		paid[b.PaymentID] = at
		external[b.PaymentID] = b.ExternalPaymentDetail != nil
		for _, k := range []string{"discounts", "additionalFees"} {
			if _, ok := obj[k].([]any); !ok {
				t.Errorf("line %d: %s not an array", i, k)
			}
		}
		od := obj["orderDetail"].(map[string]any)
		if ls, ok := od["orderLines"].([]any); ok {
			for j, l := range ls {
				for _, k := range []string{"discounts", "additionalFees"} {
					if _, ok := l.(map[string]any)[k].([]any); !ok {
						t.Errorf("line %d: orderLines[%d].%s not an array", i, j, k)
					}
				}
			}
		}
	})
	if twice < 10 || takesRest < 5 {
		t.Errorf("orders with two cancels: %d, of which the second takes the rest by lines or amount: %d", twice, takesRest)
	}
	// The week must hold a holiday of the shipped calendar.
	cal := settlement.KoreanCalendar()
	holiday := false
	for d := from; !d.After(to); d = d.AddDays(1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !cal.IsBusinessDay(d) {
			holiday = true
		}
	}
	if !holiday {
		t.Error("the week has no weekday holiday")
	}
}

func mustUnmarshal(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func mustInstant(t *testing.T, line int, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("line %d: %v", line, err)
	}
	if _, off := at.Zone(); off != 9*60*60 {
		t.Errorf("line %d: %q is not +09:00", line, s)
	}
	return at
}

func TestVerify(t *testing.T) {
	n, err := Verify(Marketplace(), Orders(), Bad())
	if err != nil {
		t.Fatal(err)
	}
	if n.Rejected == 0 {
		t.Fatal("no rejected records")
	}
	// A bad record in the orders file is caught.
	_, err = Verify(Marketplace(), append(Orders(), Bad()...), Bad())
	if err == nil {
		t.Fatal("Verify accepted bad records among the orders")
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("paths %v", paths)
	}
	got, err := os.ReadFile(paths[1])
	if err != nil || !bytes.Equal(got, Orders()) {
		t.Fatalf("%s: %v", paths[1], err)
	}
}

// TestEmulatorAcceptsRecords posts every record, as settle's decoder
// stores it, to an emulator seeded with the marketplace: every order and
// cancellation is accepted, and every bad record that gets past the
// decoder is refused.
func TestEmulatorAcceptsRecords(t *testing.T) {
	s := emulator.New(emulator.Options{})
	if err := s.Seed(bytes.NewReader(Marketplace())); err != nil {
		t.Fatal(err)
	}
	post := func(line []byte) (int, string) {
		rec, err := intake.DecodeRecord(line, Location())
		if err != nil {
			return 0, err.Error()
		}
		path, body := "/platform/transfers/order", any(nil)
		if rec.Cancel != nil {
			path, body = "/platform/transfers/order-cancel", rec.Cancel.Body
		} else {
			body = rec.Order.Body
		}
		js, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(js)))
		return w.Code, w.Body.String()
	}
	eachLine(t, Orders(), func(i int, line []byte) {
		if code, msg := post(line); code != http.StatusOK {
			t.Errorf("%s line %d: %d %s", OrdersFile, i, code, clip(msg))
		}
	})
	eachLine(t, Bad(), func(i int, line []byte) {
		if code, _ := post(line); code == http.StatusOK {
			t.Errorf("%s line %d: accepted by the emulator", BadFile, i)
		}
	})
}

// TestGenerateOtherSeeds guards the generator itself: any seed must give a
// data set that Verify accepts (Generate runs it), not only DefaultSeed.
func TestGenerateOtherSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for seed := uint64(1); seed <= 5; seed++ {
		if _, _, _, err := Generate(seed); err != nil {
			t.Errorf("Generate(%d): %v", seed, err)
		}
	}
}
