package demo

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/settle-dev/settle/transfer"
)

// The scripted part of the week (issue #15): records written by hand, not
// drawn from the generator's random numbers, so that adding them leaves
// every generated record byte for byte as it was.
//
// 나무가구공방 (p-namu-furniture) shows a partner whose net goes negative.
// A customer pays 1,890,000 won for a dining table set on Monday 09-29; the
// order settles on Wednesday 10-01 and is paid out. The customer cancels it
// in full on Tuesday 09-30; a cancel settles on the cycle of its own date
// (portone-platform.md §6.8), so on Thursday 10-02, where the partner has
// no order: its settlements of 10-02 net to minus the table's settlement.
// PortOne pays no negative payout and shows the total in red; settle flags
// it (PAYOUT_NEGATIVE) and never shows it as zero. A stool ordered on
// Thursday 10-02 settles after 추석, on 10-10, as an ordinary payout.
const scriptedPartner = "p-namu-furniture"

func scriptedSellers() []transfer.CreatePartnerBody {
	return []transfer.CreatePartnerBody{{
		ID: scriptedPartner, Name: "나무가구공방",
		Contact:           transfer.ContactInput{Name: "윤나무", Email: "office@namu-furniture.example.com", PhoneNumber: "010-0000-1009"},
		Account:           transfer.AccountInput{Bank: "BUSAN", Currency: "KRW", Number: "000-0009-0009-09", Holder: "나무가구공방"},
		DefaultContractID: contractDaily108, Tags: []string{"가구", "사업자"}, Memo: "원목 가구 주문 제작",
		Type: business("나무가구공방", "0008100009", "윤나무", "NORMAL", "경기도 파주시 가구단지길 00", "제조", "가구"),
	}}
}

type scriptedOrder struct {
	at   time.Time
	body transfer.CreateOrderTransferBody
}

func namuLine(id, name string, price, qty int64) transfer.OrderLineInput {
	return transfer.OrderLineInput{
		Product:   transfer.ProductInput{ID: id, Name: name, Amount: price, Tag: "가구"},
		Quantity:  qty,
		Discounts: []transfer.DiscountInput{}, AdditionalFees: []transfer.AdditionalFeeInput{},
	}
}

func scriptedOrders() []scriptedOrder {
	order := func(at, id string, line transfer.OrderLineInput) scriptedOrder {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			panic(err) // literals below
		}
		return scriptedOrder{at: t, body: transfer.CreateOrderTransferBody{
			PartnerID: scriptedPartner, PaymentID: id,
			OrderDetail:    transfer.OrderDetailInput{OrderLines: []transfer.OrderLineInput{line}},
			Discounts:      []transfer.DiscountInput{},
			AdditionalFees: []transfer.AdditionalFeeInput{{PolicyID: afpPG}},
		}}
	}
	return []scriptedOrder{
		order("2025-09-29T11:20:00+09:00", "pay-20250929-9001", namuLine("NM-TABLE-6", "원목 6인 식탁 세트", 1_890_000, 1)),
		order("2025-10-02T15:40:00+09:00", "pay-20251002-9001", namuLine("NM-STOOL", "원목 스툴", 94_500, 2)),
	}
}

func scriptedCancels() []cancelRec {
	at, err := time.Parse(time.RFC3339, "2025-09-30T16:05:00+09:00")
	if err != nil {
		panic(err)
	}
	return []cancelRec{{at: at, body: transfer.CreateOrderCancelTransferBody{
		PartnerID: scriptedPartner, PaymentID: "pay-20250929-9001", CancellationID: "cxl-20250929-9001-1",
		Memo: "고객 변심 (반품)", Discounts: []transfer.DiscountInput{},
		OrderDetail: &transfer.CancelOrderDetailInput{All: &struct{}{}},
	}}}
}

// withScripted merges the scripted orders into the generated ones (by
// paidAt; a generated order of the same instant comes first) and the
// scripted cancels into the generated ones (by cancelledAt, then id, as
// genCancels orders them).
func withScripted(orders []*orderState, cancels []cancelRec) ([]scriptedOrder, []cancelRec) {
	var out []scriptedOrder
	extra := scriptedOrders()
	for _, o := range orders {
		for len(extra) > 0 && extra[0].at.Before(o.paidAt) {
			out, extra = append(out, extra[0]), extra[1:]
		}
		out = append(out, scriptedOrder{at: o.paidAt, body: o.body})
	}
	out = append(out, extra...)
	cs := append(slices.Clone(cancels), scriptedCancels()...)
	slices.SortFunc(cs, func(a, b cancelRec) int {
		return cmp.Or(a.at.Compare(b.at), strings.Compare(a.body.CancellationID, b.body.CancellationID))
	})
	return out, cs
}
