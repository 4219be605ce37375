package requestconfig

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Format writes a path, query, header or form value.
func Format(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// File is a file part of a multipart form: its content, file name and content type.
type File struct {
	Reader      io.Reader
	Name        string
	ContentType string
}

// BinaryResponse is a download: read it (it is an io.ReadCloser) and Close it. StatusCode
// tells 200 from 206 (a range) and 304 (not modified, no content).
//
//	res, err := client.Fixtures.Download(ctx, "report", nil)
//	if err != nil { … }
//	defer res.Close()
//	n, err := io.Copy(file, res)
//	fmt.Println(res.StatusCode, res.ContentRange(), res.ETag())
type BinaryResponse struct {
	StatusCode int
	Header     http.Header
	// Body is the content, streamed from the connection.
	Body io.ReadCloser
	// Response is the underlying HTTP response.
	Response *http.Response
}

// NewBinaryResponse wraps a success whose body is still open.
func NewBinaryResponse(res *http.Response) *BinaryResponse {
	return &BinaryResponse{StatusCode: res.StatusCode, Header: res.Header, Body: res.Body, Response: res}
}

// Read reads the content.
func (b *BinaryResponse) Read(p []byte) (int, error) { return b.Body.Read(p) }

// Close closes the connection's body.
func (b *BinaryResponse) Close() error { return b.Body.Close() }

// ContentLength is the Content-Length, -1 when unknown.
func (b *BinaryResponse) ContentLength() int64 { return b.Response.ContentLength }

// ContentType is the Content-Type header.
func (b *BinaryResponse) ContentType() string { return b.Header.Get("Content-Type") }

// ContentRange is the Content-Range header of a 206 ("bytes 0-99/1000").
func (b *BinaryResponse) ContentRange() string { return b.Header.Get("Content-Range") }

// ETag is the ETag header, for If-None-Match and If-Range.
func (b *BinaryResponse) ETag() string { return b.Header.Get("ETag") }
