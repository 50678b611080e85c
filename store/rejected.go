package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/settle-dev/settle/settlement"
)

// Rejected is a record that was not accepted, kept with its reason so that
// nothing sent to settle is lost (DESIGN.md §6) and finance sees it in the
// workbook's Rejected sheet.
type Rejected struct {
	Source     Source
	File       string // import file, or ""
	Line       int    // 1-based line in File, or 0
	PartnerID  settlement.PartnerID
	RecordKey  string // payment id or cancellation id when known
	Payload    []byte // the raw record
	Reason     string // what is wrong, naming the field
	Field      string // JSON path or CSV column at fault
	ErrorType  string // PortOne's error type (INVALID_REQUEST, …), CONFLICT, or ""
	ReceivedAt time.Time

	ID int64 // set on read
}

func newRejectedRow(r Rejected) rejectedRow {
	return rejectedRow{
		Source: string(r.Source), File: r.File, Line: int64(r.Line), PartnerID: r.PartnerID, RecordKey: r.RecordKey,
		Payload: string(r.Payload), Reason: r.Reason, Field: r.Field, ErrorType: r.ErrorType, ReceivedAt: at(r.ReceivedAt),
		DedupHash: sha(string(r.Source), r.File, strconv.Itoa(r.Line), string(r.PartnerID), r.RecordKey, string(r.Payload), r.Reason, r.Field, r.ErrorType),
	}
}

// SaveRejected keeps a rejected record. The same rejection (source, file,
// line, partner, key, payload, reason, field) kept again is a Duplicate no-op, so
// importing a bad file twice does not double its rejections. ReceivedAt
// defaults to now.
func (s *Store) SaveRejected(ctx context.Context, r Rejected) (Outcome, error) {
	if r.Source == "" || r.Reason == "" {
		return Outcome{}, &InvalidError{Record: "rejected record", Field: "source/reason", Err: errors.New("missing")}
	}
	if r.ReceivedAt.IsZero() {
		r.ReceivedAt = s.nowUTC()
	}
	row := newRejectedRow(r)
	res := s.w(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedup_hash"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return Outcome{}, fmt.Errorf("save rejected record %s: %w", r.RecordKey, res.Error)
	}
	if res.RowsAffected == 1 {
		return Outcome{Kind: Created, ID: row.ID}, nil
	}
	var id int64
	if err := s.w(ctx).Model(&rejectedRow{}).Select("id").Where("dedup_hash = ?", row.DedupHash).Scan(&id).Error; err != nil {
		return Outcome{}, fmt.Errorf("save rejected record %s: %w", r.RecordKey, err)
	}
	return Outcome{Kind: Duplicate, ID: id}, nil
}

// WebhookEvent is one PortOne webhook delivery, kept by its webhook-id for
// replay protection and as the origin of the cancellations it reported.
type WebhookEvent struct {
	WebhookID      string // the webhook-id header: unique
	EventType      string // e.g. Transaction.Cancelled
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	SentAt         time.Time // webhook-timestamp
	Raw            []byte
	ReceivedAt     time.Time

	ID           int64
	ProcessedAt  time.Time
	ProcessError string
}

// SaveWebhookEvent records a webhook delivery. A webhook-id seen before is a
// Duplicate (a replay or a redelivery): the caller must not process it again.
func (s *Store) SaveWebhookEvent(ctx context.Context, ev WebhookEvent) (Outcome, error) {
	if ev.WebhookID == "" {
		return Outcome{}, &InvalidError{Record: "webhook event", Field: "webhook-id", Err: errors.New("missing")}
	}
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = s.nowUTC()
	}
	row := webhookRow{WebhookID: ev.WebhookID, EventType: ev.EventType, PaymentID: ev.PaymentID, CancellationID: ev.CancellationID,
		SentAt: at(ev.SentAt), RawJSON: string(ev.Raw), ReceivedAt: at(ev.ReceivedAt)}
	res := s.w(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "webhook_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil {
		return Outcome{}, fmt.Errorf("save webhook %q: %w", ev.WebhookID, res.Error)
	}
	if res.RowsAffected == 1 {
		return Outcome{Kind: Created, ID: row.ID}, nil
	}
	var id int64
	if err := s.w(ctx).Model(&webhookRow{}).Select("id").Where("webhook_id = ?", ev.WebhookID).Scan(&id).Error; err != nil {
		return Outcome{}, fmt.Errorf("save webhook %q: %w", ev.WebhookID, err)
	}
	return Outcome{Kind: Duplicate, ID: id}, nil
}

// MarkWebhookProcessed records that a webhook event was handled, with the
// error that handling it produced ("" for success).
func (s *Store) MarkWebhookProcessed(ctx context.Context, webhookID string, processErr string) error {
	res := s.w(ctx).Model(&webhookRow{}).Where("webhook_id = ?", webhookID).
		Updates(map[string]any{"processed_at": at(s.nowUTC()), "process_error": processErr})
	if res.Error != nil {
		return fmt.Errorf("webhook %q: mark processed: %w", webhookID, res.Error)
	}
	if res.RowsAffected == 0 {
		return &NotFoundError{What: fmt.Sprintf("webhook %q", webhookID)}
	}
	return nil
}

// WebhookEventByID returns the webhook event with that webhook-id.
func (s *Store) WebhookEventByID(ctx context.Context, webhookID string) (WebhookEvent, error) {
	var r webhookRow
	if err := s.w(ctx).Where("webhook_id = ?", webhookID).Take(&r).Error; err != nil {
		return WebhookEvent{}, notFound(err, fmt.Sprintf("webhook %q", webhookID))
	}
	return r.event(), nil
}

func (r *webhookRow) event() WebhookEvent {
	return WebhookEvent{WebhookID: r.WebhookID, EventType: r.EventType, PaymentID: r.PaymentID, CancellationID: r.CancellationID,
		SentAt: r.SentAt.Time, Raw: []byte(r.RawJSON), ReceivedAt: r.ReceivedAt.Time, ID: r.ID,
		ProcessedAt: r.ProcessedAt.Time, ProcessError: r.ProcessError}
}

// LinkCancellationWebhook records webhookID on the stored cancellations of
// (paymentID, cancellationID) that no webhook reported yet, and returns how
// many it linked (0 while the cancellation has not arrived).
func (s *Store) LinkCancellationWebhook(ctx context.Context, paymentID settlement.PaymentID, cancellationID settlement.CancellationID, webhookID string) (int, error) {
	res := s.w(ctx).Model(&cancellationRow{}).
		Where("payment_id = ? AND cancellation_id = ? AND webhook_id = ?", paymentID, cancellationID, "").
		Update("webhook_id", webhookID)
	if res.Error != nil {
		return 0, fmt.Errorf("link webhook %q to cancellation %q of payment %q: %w", webhookID, cancellationID, paymentID, res.Error)
	}
	return int(res.RowsAffected), nil
}

// WebhookForCancellation returns the first webhook event that reported the
// cancellation (paymentID, cancellationID), or a *NotFoundError.
func (s *Store) WebhookForCancellation(ctx context.Context, paymentID settlement.PaymentID, cancellationID settlement.CancellationID) (WebhookEvent, error) {
	var r webhookRow
	err := s.w(ctx).Where("payment_id = ? AND cancellation_id = ?", paymentID, cancellationID).Order("id").Take(&r).Error
	if err != nil {
		return WebhookEvent{}, notFound(err, fmt.Sprintf("webhook of cancellation %q of payment %q", cancellationID, paymentID))
	}
	return r.event(), nil
}

// dup translates a unique violation into ErrDuplicate naming what.
func dup(err error, what string) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%s: %w (%w)", what, ErrDuplicate, err)
	}
	return err
}
