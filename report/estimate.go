package report

// TarHeaders is the Path of the pseudo-file that EstimateCompressed adds to a
// layer for the bytes of its tar that are no file's content: the 512-byte
// headers, the padding of every file to 512 bytes and the end-of-archive
// blocks. They are a real cost of the layer, so they are drawn, not hidden.
const TarHeaders = "(tar headers)"

// EstimateCompressed sets the Compressed bytes of l's files: l.Compressed
// split over them in proportion to their Size. It is an estimate: gzip
// compresses every file of a layer in one stream, so how many compressed
// bytes each file costs cannot be measured, only shared out. The shares are
// of l.Size, the whole tar: what the files' content does not explain goes to
// a pseudo-file TarHeaders (added, or updated when already there), with
// Binary -1 and an empty Mode. The shares add up exactly to l.Compressed;
// what integer rounding leaves goes to the largest file. A layer whose tar
// is all headers (directories only) gives all its bytes to TarHeaders.
func EstimateCompressed(l *Layer) {
	files := l.Files[:0:0]
	var content int64
	for _, f := range l.Files {
		if f.Path == TarHeaders && f.Mode == "" && f.Binary == -1 {
			continue // an earlier estimate's: made again below
		}
		files = append(files, f)
		if f.Size > 0 {
			content += f.Size
		}
	}
	if headers := l.Size - content; headers > 0 {
		files = append(files, File{Path: TarHeaders, Size: headers, Binary: -1})
	}
	sizes := make([]int64, len(files))
	for i, f := range files {
		sizes[i] = f.Size
	}
	for i, c := range apportion(l.Compressed, sizes) {
		files[i].Compressed = c
	}
	l.Files = files
}
