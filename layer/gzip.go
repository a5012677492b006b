package layer

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// dictSize is deflate's window: each block may refer back this far into
// the block before it.
const dictSize = 32 << 10

// gzipJob is one block: compressed by a worker, emitted in order. Its
// dictionary is the end of prev, the chunk before, which the job holds
// a reference to (nil for the first block).
type gzipJob struct {
	raw, prev *chunk
	out       *bytes.Buffer
	done      chan struct{}
}

// dict returns the job's dictionary: the last dictSize bytes before it.
func (j *gzipJob) dict() []byte {
	if j.prev == nil {
		return nil
	}
	b := j.prev.buf
	return b[max(0, len(b)-dictSize):]
}

// release gives back the job's chunks.
func (j *gzipJob) release() {
	j.raw.release()
	if j.prev != nil {
		j.prev.release()
	}
}

// gzipBuffers recycles the compressed blocks of one stream: there are
// never more than the jobs in flight, so after the first few blocks no
// memory is allocated (and none faulted in).
type gzipBuffers chan *bytes.Buffer

func (b gzipBuffers) get() *bytes.Buffer {
	select {
	case buf := <-b:
		buf.Reset()
		return buf
	default:
		return bytes.NewBuffer(make([]byte, 0, chunkSize+chunkSize/8))
	}
}

func (b gzipBuffers) put(buf *bytes.Buffer) {
	select {
	case b <- buf:
	default:
	}
}

// gzipStream compresses the chunks of in, one independent deflate block
// sequence per chunk ended by a sync flush, on one worker per core, and
// writes a gzip member (RFC 1952) to out in order. Every block but the
// last has exactly chunkSize bytes, so the output depends only on the
// bytes and the level.
func gzipStream(ctx context.Context, in <-chan *chunk, out *chunker, level int) error {
	defer out.out.close()
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *gzipJob, workers)
	ordered := make(chan *gzipJob, 4*workers+4)
	var wg sync.WaitGroup
	for range workers {
		fw, err := flate.NewWriter(nil, level)
		if err != nil {
			close(work)
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				if ctx.Err() == nil {
					fw.ResetDict(j.out, j.dict())
					fw.Write(j.raw.buf) // a bytes.Buffer cannot fail
					fw.Flush()
				}
				j.release()
				close(j.done)
			}
		}()
	}
	var crc uint32
	var size int64
	bufs := make(gzipBuffers, cap(ordered)+2*workers+2)
	emitted := make(chan error, 1)
	go func() { emitted <- gzipEmit(ctx, ordered, out, bufs, level, &crc, &size) }()

	err := func() error {
		defer close(ordered)
		defer close(work)
		var prev *chunk // the chunk before, held for the next job's dictionary
		defer func() {
			if prev != nil {
				prev.release()
			}
		}()
		for c := range in {
			j := &gzipJob{raw: c, prev: prev, out: bufs.get(), done: make(chan struct{})}
			// This goroutine holds c until a worker has compressed it:
			// one more reference keeps it for the next job.
			c.refs.Add(1)
			prev = c
			crc = crc32.Update(crc, crc32.IEEETable, c.buf)
			size += int64(len(c.buf))
			select {
			case ordered <- j:
			case <-ctx.Done():
				j.release()
				return context.Cause(ctx)
			}
			select {
			case work <- j:
			case <-ctx.Done():
				j.release()
				close(j.done)
				return context.Cause(ctx)
			}
		}
		return nil
	}()
	wg.Wait()
	if eerr := <-emitted; err == nil {
		err = eerr
	}
	return err
}

// gzipEmit writes the header, each job's blocks in order, the final
// empty block and the trailer. crc and size are complete once ordered
// is closed.
func gzipEmit(ctx context.Context, ordered <-chan *gzipJob, out *chunker, bufs gzipBuffers, level int, crc *uint32, size *int64) error {
	// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL OS=unknown
	hdr := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255}
	switch level {
	case 9:
		hdr[8] = 2
	case 1:
		hdr[8] = 4
	}
	if _, err := out.Write(hdr); err != nil {
		return drain(ordered, err)
	}
	for j := range ordered {
		select {
		case <-j.done:
		case <-ctx.Done():
			return drain(ordered, context.Cause(ctx))
		}
		if ctx.Err() != nil {
			return drain(ordered, context.Cause(ctx))
		}
		_, err := out.Write(j.out.Bytes())
		bufs.put(j.out)
		if err != nil {
			return drain(ordered, err)
		}
	}
	// A final empty block with fixed codes (BFINAL=1, BTYPE=01, EOB),
	// then CRC-32 and ISIZE.
	var trailer [10]byte
	trailer[0], trailer[1] = 0x03, 0x00
	binary.LittleEndian.PutUint32(trailer[2:], *crc)
	binary.LittleEndian.PutUint32(trailer[6:], uint32(*size))
	if _, err := out.Write(trailer[:]); err != nil {
		return err
	}
	return out.flush()
}

// drain empties ordered so that its sender is never blocked, and
// returns err.
func drain(ordered <-chan *gzipJob, err error) error {
	for range ordered {
	}
	return err
}
