package providers

import (
	"reflect"
	"strings"
)

// Field describes one configuration field for a form (the web console's
// add-cloud forms are generated from these). It is read from the Config
// struct: the json name, the Go type, `secret:"true"`, the default from
// NewConfig, and these tags:
//
//	label:"Access key ID"     the field's label (default: its json name)
//	help:"…"                  one sentence under the field
//	ui:"required,advanced,text,options=a|b|c"
//	                          required: the form asks for it;
//	                          advanced: shown under "Advanced";
//	                          text: multi-line (PEM, JSON);
//	                          options: the allowed values (a select)
type Field struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"` // string, text, list, bool, int
	Secret   bool     `json:"secret"`
	Required bool     `json:"required"`
	Advanced bool     `json:"advanced"`
	Default  any      `json:"default,omitempty"`
	Help     string   `json:"help,omitempty"`
	Options  []string `json:"options,omitempty"`
}

// Fields describes the top-level fields of the struct cfg points to, in
// declaration order. Fields tagged json:"-" are left out.
func Fields(cfg Config) []Field {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	v = v.Elem()
	t := v.Type()
	out := make([]Field, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := Field{Name: name, Label: sf.Tag.Get("label"), Help: sf.Tag.Get("help"), Secret: sf.Tag.Get("secret") == "true"}
		if f.Label == "" {
			f.Label = name
		}
		switch sf.Type.Kind() {
		case reflect.String:
			f.Type = "string"
		case reflect.Bool:
			f.Type = "bool"
		case reflect.Int, reflect.Int32, reflect.Int64:
			f.Type = "int"
		case reflect.Slice:
			if sf.Type.Elem().Kind() != reflect.String {
				continue
			}
			f.Type = "list"
		default:
			continue // not a form field
		}
		for opt := range strings.SplitSeq(sf.Tag.Get("ui"), ",") {
			switch {
			case opt == "required":
				f.Required = true
			case opt == "advanced":
				f.Advanced = true
			case opt == "text" && f.Type == "string":
				f.Type = "text"
			case strings.HasPrefix(opt, "options="):
				f.Options = strings.Split(strings.TrimPrefix(opt, "options="), "|")
			}
		}
		if fv := v.Field(i); !fv.IsZero() && !f.Secret {
			f.Default = fv.Interface()
		}
		out = append(out, f)
	}
	return out
}
