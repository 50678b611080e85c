// Package reports writes finance's reconciliation workbook (.xlsx, with
// excelize) and a flat CSV of the order-line detail, from read models that
// the caller streams through a Source. It imports only settlement (and the
// standard library and excelize), never store or transfer: the pipeline
// adapts the store's read models to Source.
//
// # Sheets
//
// In this order; the sheet names are Korean with LangKO (the default) and
// English with LangEN (SheetName maps the Sheet constants):
//
//	Run            front sheet: business dates, when made, time zone, software
//	               version, row counts, whether the sheets tie, whether the
//	               run reconciles with PortOne, what needs attention (with
//	               the command that resolves it) and a guide to the sheets
//	Summary        per partner and settlement date: counts, every amount
//	               field (net: orders − cancellations), PortOne's settlement,
//	               the difference, the detail settlement and a check column;
//	               under it a totals section (see Totals tie)
//	Chart          only when the Summary spans two or more settlement dates:
//	               settlement per day, the top five partners and 기타 (others)
//	Contracts      the contract and policy versions the range's transfers
//	               were settled with, and the versions of the merchant's
//	               rules (formulas, roundings, variants) that computed them
//	Orders         one row per ORDER transfer: amounts, 결제일시, order name,
//	               contract terms and policies (why this amount), status
//	Cancellations  the same for ORDER_CANCEL transfers (amounts positive)
//	Order lines    every line of ORDER and ORDER_CANCEL transfers, one row
//	               per order registered by amount; totals by type and net
//	Mismatches     differences with PortOne only: field, ours, PortOne's,
//	               difference, reason
//	Needs attention  rejected records, failed, conflicting and overdue
//	               transfers, records not settled: reason, PortOne's error
//	               and the command that resolves each
//	Transfers      transfer status history, by partner and settlement date
//
// A sheet in a file of its own (the Payouts sheet after Transfers, the
// Corrections sheet 정정 after Needs attention: records voided, transfers
// deleted at PortOne and what replaced them, manual adjustments, and the
// adjustments per partner beside the Summary's settlement) joins by one
// registerSheet line (registry.go); it appears when its source has it. WriteStatement writes one partner's
// statement (정산서) instead: a printable Statement sheet and its detail.
//
// Every table sheet has the column names on row 1 (Korean by default,
// English with LangEN) and, on row 2, the PortOne schema path of each column
// (amount.platformFeeVat, orderLines[].product.id, …) so an engineer can map a
// column to the API. Both rows are frozen; the autofilter sits on row 2 and
// covers the data, not the totals.
//
// # Invariants
//
//   - Money is numeric: every amount is written as an int64 cell with the
//     won format #,##0, never as text and never through a float. Dates are
//     date serials formatted yyyy-mm-dd; date-times are shown in
//     Options.Loc; ids are text cells with the text format @, so leading
//     zeros survive.
//   - Cancellations are positive magnitudes, as PortOne shows them; only the
//     Summary nets them.
//   - Totals tie: each detail sheet ends with a totals row (SUM formulas with
//     the values cached), and the Summary ends with four rows: its own total,
//     the Orders detail total, the Cancellations detail total (SUM across
//     every part of a split sheet) and a check row, total − (orders −
//     cancellations), which is 0 in every column when the sheets tie. Each
//     Summary row also shows its detail settlement and its own check. The
//     Run sheet says whether everything ties.
//   - Streaming: every detail sheet is written one row at a time with
//     reused buffers and precomputed style ids, split into "Name (2)", … at
//     Options.MaxRowsPerSheet (Excel's 1,048,576 rows by default), and each
//     part's XML goes straight into its zip entry, compressed into the
//     io.Writer as the rows come (sheetxml.go: excelize holds the part as
//     an empty sheet, for workbook.xml and the rest of the package, and its
//     copy is dropped; rows and cells are byte for byte what excelize's
//     StreamWriter writes). excelize's StreamWriter is used only for the
//     Summary: it keeps up to 32 MB per sheet until the file is written,
//     which made memory grow with every detail part. Memory grows with the
//     number of Summary rows (partners × settlement dates), which are held
//     with their detail aggregates, not with the number of orders, lines or
//     sheet parts: 56 MB peak RSS for 1M and for 3M order lines.
//
// WriteCSV writes the Order lines table alone as UTF-8 CSV with a byte order
// mark (so Excel shows Korean), one header row, plain numbers.
package reports
