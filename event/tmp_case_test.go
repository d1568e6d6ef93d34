package event

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/elmosoftware/eventprotocol/envelope"
	"github.com/elmosoftware/eventprotocol/internal/benchdata"
)

func BenchmarkTmpPasses(b *testing.B) {
	data, _ := json.Marshal(benchdata.NewPayRun())
	f := fieldsOf(reflect.TypeFor[benchdata.PayRun](), map[reflect.Type]*fieldTree{})
	b.Run("checkCase", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := f.checkCase(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckData", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := envelope.CheckData(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal()
			}
		}
	})
	b.Run("copy", func(b *testing.B) {
		for b.Loop() {
			_ = append([]byte(nil), data...)
		}
	})
}
