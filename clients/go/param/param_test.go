package param_test

import (
	"encoding/json"
	"testing"

	"github.com/aerostack/aerostack-oss/clients/go/param"
)

type body struct {
	TTL      param.Opt[int64]  `json:"ttl,omitzero"`
	Note     param.Opt[string] `json:"note,omitzero"`
	Required param.Opt[string] `json:"required"`
}

func TestThreeStates(t *testing.T) {
	out, err := json.Marshal(body{TTL: param.NewOpt[int64](60), Note: param.Null[string]()})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"ttl":60,"note":null,"required":null}` {
		t.Fatalf("marshalled %s", out)
	}
	var in body
	if err := json.Unmarshal([]byte(`{"note":null,"required":"x"}`), &in); err != nil {
		t.Fatal(err)
	}
	if !in.TTL.IsOmitted() || !in.Note.IsNull() || !in.Required.Valid() || in.Required.Value != "x" {
		t.Fatalf("unmarshalled %+v", in)
	}
	if in.TTL.Or(5) != 5 || in.Required.Or("y") != "x" || in.Note.String() != "null" {
		t.Fatal("Or / String")
	}
	if v, ok := in.Required.Get(); !ok || v != "x" {
		t.Fatal("Get")
	}
}
