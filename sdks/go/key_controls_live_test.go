package plexmcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
)

// Live tests of the key controls, skipped unless PLEXMCP_E2E=1. They need PLEXMCP_BASE_URL and
// the admin key of a fresh organization in PLEXMCP_API_KEY: the thresholds test changes that
// organization's alert thresholds (and restores the defaults).

func keyControlsAdmin(t *testing.T) (context.Context, *Client, string) {
	ctx, admin := liveAdmin(t)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return ctx, admin, "go-" + hex.EncodeToString(suffix)
}

func filteredIDs(t *testing.T, ctx context.Context, admin *Client, params KeyListParams) []string {
	t.Helper()
	ids := []string{}
	it := admin.Keys.ListFiltered(ctx, &params)
	for it.Next() {
		ids = append(ids, it.Current().ID)
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	return ids
}

func TestKeyControlsLiveLabelsFiltersDisableEnable(t *testing.T) {
	ctx, admin, tag := keyControlsAdmin(t)
	key, err := admin.Keys.Create(ctx, CreateKeyParams{
		Name: tag + "-labelled", ExpiresIn: "30d",
		Metadata: map[string]string{"team": tag}, Tags: []string{tag, "prod"},
		IPAllowlist: []string{"127.0.0.0/8", "::1/128"},
	})
	if err != nil {
		t.Fatal(err)
	}
	other, err := admin.Keys.Create(ctx, CreateKeyParams{Name: tag + "-plain", ExpiresIn: "30d"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(key.Metadata, map[string]string{"team": tag}) || !reflect.DeepEqual(key.Tags, []string{tag, "prod"}) ||
		!reflect.DeepEqual(key.IPAllowlist, []string{"127.0.0.0/8", "::1/128"}) {
		t.Fatalf("created key labels = %v %v %v", key.Metadata, key.Tags, key.IPAllowlist)
	}
	if ids := filteredIDs(t, ctx, admin, KeyListParams{Tag: tag}); !reflect.DeepEqual(ids, []string{key.ID}) {
		t.Fatalf("?tag= %v", ids)
	}
	if ids := filteredIDs(t, ctx, admin, KeyListParams{Metadata: "team:" + tag}); !reflect.DeepEqual(ids, []string{key.ID}) {
		t.Fatalf("?metadata= %v", ids)
	}

	client := NewClient(key.Secret)
	if me, err := client.Me(ctx); err != nil || me.ID != key.ID {
		t.Fatalf("Me before disable = %+v, %v", me, err)
	}
	if k, err := admin.Keys.Disable(ctx, key.ID); err != nil || k.Status != "disabled" {
		t.Fatalf("Disable = %+v, %v", k, err)
	}
	if _, err := client.Me(ctx); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("a disabled key: %v", err)
	}
	if k, err := admin.Keys.Enable(ctx, key.ID); err != nil || k.Status != "active" {
		t.Fatalf("Enable = %+v, %v", k, err)
	}
	if me, err := client.Me(ctx); err != nil || me.ID != key.ID {
		t.Fatalf("Me after enable = %+v, %v", me, err)
	}

	tags, metadata := []string{"staging"}, map[string]string{}
	updated, err := admin.Keys.Update(ctx, key.ID, UpdateKeyParams{Tags: &tags, Metadata: &metadata, ClearIPAllowlist: true})
	if err != nil || !reflect.DeepEqual(updated.Tags, tags) || len(updated.Metadata) != 0 || updated.IPAllowlist != nil {
		t.Fatalf("Update labels = %+v, %v", updated, err)
	}
	if ids := filteredIDs(t, ctx, admin, KeyListParams{Tag: tag}); len(ids) != 0 {
		t.Fatalf("?tag= after the update: %v", ids)
	}

	if _, err := admin.Keys.Revoke(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Keys.Enable(ctx, other.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("enabling a revoked key: %v", err)
	}
	if _, err := admin.Keys.Revoke(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
}

func TestKeyControlsLiveAlertThresholdsRoundTrip(t *testing.T) {
	ctx, admin, tag := keyControlsAdmin(t)
	before, err := admin.Alerts.Thresholds(ctx)
	if err != nil || before.Object != "alert_thresholds" {
		t.Fatalf("Thresholds = %+v, %v", before, err)
	}
	perMinute, rate := 321, 0.4
	set := SetAlertThresholdsParams{AlertThresholdOverrides: AlertThresholdOverrides{RequestMinPerMinute: &perMinute, ErrorMinRate: &rate}}
	if _, err := admin.Alerts.SetThresholds(ctx, set); err != nil {
		t.Fatal(err)
	}
	read, err := admin.Alerts.Thresholds(ctx)
	if err != nil || read.Thresholds.RequestMinPerMinute != 321 || read.Thresholds.ErrorMinRate != 0.4 ||
		read.Thresholds.ErrorMinRequests != before.Thresholds.ErrorMinRequests ||
		!reflect.DeepEqual(read.Overrides, set.AlertThresholdOverrides) {
		t.Fatalf("read back = %+v, %v", read, err)
	}

	readerKey, err := admin.Keys.Create(ctx, CreateKeyParams{Name: tag + "-reader", Scopes: []string{"alerts:read"}, ExpiresIn: "30d"})
	if err != nil {
		t.Fatal(err)
	}
	reader := NewClient(readerKey.Secret)
	if _, err := reader.Alerts.Thresholds(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := reader.Alerts.SetThresholds(ctx, set); !errors.Is(err, ErrForbidden) {
		t.Fatalf("alerts:read setting thresholds: %v", err)
	}
	_, _ = admin.Keys.Revoke(ctx, readerKey.ID)

	restored, err := admin.Alerts.SetThresholds(ctx, SetAlertThresholdsParams{Restore: []string{"request_min_per_minute", "error_min_rate"}})
	if err != nil || !reflect.DeepEqual(restored.Overrides, AlertThresholdOverrides{}) || restored.Thresholds != before.Thresholds {
		t.Fatalf("restored = %+v, %v", restored, err)
	}
}
