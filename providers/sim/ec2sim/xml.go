package ec2sim

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
)

// XML namespaces of the two services' responses.
const (
	ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// apiError is an error answer: HTTP status, code and message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func errBadRequest(code, msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// ec2ErrorXML is EC2's error document.
type ec2ErrorXML struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

// stsErrorXML is STS's (the AWS Query protocol's) error document.
type stsErrorXML struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeError(w http.ResponseWriter, service string, e *apiError) {
	id := requestID()
	var doc any
	if service == "sts" {
		d := stsErrorXML{RequestID: id}
		d.Error.Type = "Sender"
		if e.Status >= 500 {
			d.Error.Type = "Receiver"
		}
		d.Error.Code, d.Error.Message = e.Code, e.Message
		doc = d
	} else {
		d := ec2ErrorXML{RequestID: id}
		d.Errors = append(d.Errors, struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		}{e.Code, e.Message})
		doc = d
	}
	writeXMLStatus(w, e.Status, doc)
}

func writeXML(w http.ResponseWriter, doc any) { writeXMLStatus(w, http.StatusOK, doc) }

func writeXMLStatus(w http.ResponseWriter, status int, doc any) {
	var b []byte
	var err error
	if a, ok := doc.(xmlAppender); ok {
		b = a.appendXML(nil)
	} else {
		b, err = xml.Marshal(doc)
	}
	if err != nil {
		// Only a programming error in the response types gets here.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(b)
}

// requestID is a random UUID, as both services use.
func requestID() string {
	a, b := rand.Uint64(), rand.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>48&0x3fff|0x8000, b&0xffffffffffff)
}
