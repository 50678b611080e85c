package store

import (
	"errors"

	"gorm.io/gorm"

	"github.com/settle-dev/settle/settlement"
)

// schemaV7 keeps a record's lines, discounts and fees in its own row
// (detail, see detail.go) instead of five child tables: about six rows
// per order written and read became one. It also indexes the cancellations
// that arrived before their order, which each batch of orders saved looks
// for (an index of the few, not a scan of them all).
const schemaV7 = `
ALTER TABLE orders ADD COLUMN detail {{blob}};
ALTER TABLE cancellations ADD COLUMN detail {{blob}};
`

const schemaV7Done = `
DROP TABLE order_discounts;
DROP TABLE order_additional_fees;
DROP TABLE order_lines;
DROP TABLE cancellation_discounts;
DROP TABLE cancellation_lines;
CREATE INDEX cancellations_orphan ON cancellations (partner_id, payment_id) WHERE order_ref IS NULL;
`

// migrateV7 adds the detail columns, fills them from the child tables of
// version 5 a page of records at a time, and drops those tables.
func migrateV7(tx *gorm.DB, d Dialect) error {
	if err := execScript(tx, d, schemaV7); err != nil {
		return err
	}
	if err := fillDetailV7(tx, "orders", "order_ref", func(id int64, ch *childrenV5) []byte {
		o := settlement.Order{}
		for _, l := range ch.lines[id] {
			o.Lines = append(o.Lines, settlement.Line{Product: settlement.Product{ID: l.productID, Name: l.name,
				Amount: settlement.Won(l.amount), TaxFree: settlement.Won(l.taxFree), Tag: l.tag}, Quantity: l.quantity})
		}
		for _, x := range ch.discounts[id] {
			dc := settlement.Discount{SharePolicyID: x.policy, Amount: settlement.Won(x.amount), TaxFree: settlement.Won(x.taxFree)}
			if x.line == 0 {
				o.Discounts = append(o.Discounts, dc)
			} else if int(x.line) <= len(o.Lines) {
				o.Lines[x.line-1].Discounts = append(o.Lines[x.line-1].Discounts, dc)
			}
		}
		for _, f := range ch.fees[id] {
			if f.line == 0 {
				o.AdditionalFees = append(o.AdditionalFees, f.policy)
			} else if int(f.line) <= len(o.Lines) {
				o.Lines[f.line-1].AdditionalFees = append(o.Lines[f.line-1].AdditionalFees, f.policy)
			}
		}
		return appendOrderDetail(nil, &o)
	}); err != nil {
		return err
	}
	if err := fillDetailV7(tx, "cancellations", "cancellation_ref", func(id int64, ch *childrenV5) []byte {
		c := settlement.Cancellation{}
		for _, l := range ch.lines[id] {
			c.Lines = append(c.Lines, settlement.CancelLine{ProductID: l.productID, Quantity: l.quantity})
		}
		for _, x := range ch.discounts[id] {
			dc := settlement.Discount{SharePolicyID: x.policy, Amount: settlement.Won(x.amount), TaxFree: settlement.Won(x.taxFree)}
			if x.line == 0 {
				c.Discounts = append(c.Discounts, dc)
			} else if int(x.line) <= len(c.Lines) {
				c.Lines[x.line-1].Discounts = append(c.Lines[x.line-1].Discounts, dc)
			}
		}
		return appendCancelDetail(nil, &c)
	}); err != nil {
		return err
	}
	return execScript(tx, d, schemaV7Done)
}

// childrenV5 are the child rows of version 5 of a page of records, by the
// record's id, in (line, seq) order.
type childrenV5 struct {
	lines     map[int64][]lineV5
	discounts map[int64][]discountV5
	fees      map[int64][]feeV5
}

type (
	lineV5 struct {
		productID, name, tag      string
		amount, taxFree, quantity int64
	}
	discountV5 struct {
		line            int64
		policy          string
		amount, taxFree int64
	}
	feeV5 struct {
		line   int64
		policy string
	}
)

// fillDetailV7 sets the detail column of every row of table (orders or
// cancellations) from its version-5 child rows (ref is their reference
// column), a page of rows at a time.
func fillDetailV7(tx *gorm.DB, table, ref string, encode func(int64, *childrenV5) []byte) error {
	prefix, feeTable := "order", "order_additional_fees"
	if table == "cancellations" {
		prefix, feeTable = "cancellation", ""
	}
	var last int64
	for {
		var ids []int64
		if err := tx.Raw("SELECT id FROM "+table+" WHERE id > ? ORDER BY id LIMIT 1000", last).Scan(&ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		last = ids[len(ids)-1]
		ch := &childrenV5{lines: map[int64][]lineV5{}, discounts: map[int64][]discountV5{}, fees: map[int64][]feeV5{}}
		lineCols := "product_id, product_name, product_tag, product_amount, product_tax_free, quantity"
		if table == "cancellations" {
			lineCols = "product_id, '', '', 0, 0, quantity"
		}
		rows, err := tx.Raw("SELECT "+ref+", "+lineCols+" FROM "+prefix+"_lines WHERE "+ref+" IN ? ORDER BY "+ref+", line_no", ids).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var l lineV5
			if err := rows.Scan(&id, &l.productID, &l.name, &l.tag, &l.amount, &l.taxFree, &l.quantity); err != nil {
				rows.Close()
				return err
			}
			ch.lines[id] = append(ch.lines[id], l)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		rows, err = tx.Raw("SELECT "+ref+", line_no, share_policy_id, amount, tax_free FROM "+prefix+"_discounts WHERE "+ref+" IN ? ORDER BY "+ref+", line_no, seq", ids).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var x discountV5
			if err := rows.Scan(&id, &x.line, &x.policy, &x.amount, &x.taxFree); err != nil {
				rows.Close()
				return err
			}
			ch.discounts[id] = append(ch.discounts[id], x)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if feeTable != "" {
			rows, err = tx.Raw("SELECT "+ref+", line_no, policy_id FROM "+feeTable+" WHERE "+ref+" IN ? ORDER BY "+ref+", line_no, seq", ids).Rows()
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var f feeV5
				if err := rows.Scan(&id, &f.line, &f.policy); err != nil {
					rows.Close()
					return err
				}
				ch.fees[id] = append(ch.fees[id], f)
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if err := tx.Exec("UPDATE "+table+" SET detail = ? WHERE id = ?", encode(id, ch), id).Error; err != nil {
				return err
			}
		}
	}
}
