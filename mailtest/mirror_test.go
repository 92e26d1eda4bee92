package mailtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/mailmanager/mailmanager"
	"github.com/mailmanager/mailmanager/mailtest"
)

func TestMirror_AppliesPagesAndResets(t *testing.T) {
	ctx := context.Background()
	msg := func(id string) *mailmanager.Message { return &mailmanager.Message{ID: id} }
	var mr mailtest.Mirror

	_ = mr.Apply(ctx, &mailmanager.Changes{Messages: []*mailmanager.Message{msg("a"), msg("b"), msg("c")}})
	_ = mr.Apply(ctx, &mailmanager.Changes{Deleted: []string{"b"}})
	assert.Equal(t, 2, mr.Len())

	// A reset delivers a and d again, over two pages: c was not seen and
	// goes when the reset ends, not before.
	_ = mr.Apply(ctx, &mailmanager.Changes{Messages: []*mailmanager.Message{msg("a")}, Reset: true})
	assert.Contains(t, mr.Messages(), "c")
	_ = mr.Apply(ctx, &mailmanager.Changes{Messages: []*mailmanager.Message{msg("d")}, Reset: true, Done: true})
	got := mr.Messages()
	assert.Len(t, got, 2)
	assert.Contains(t, got, "a")
	assert.Contains(t, got, "d")
}
