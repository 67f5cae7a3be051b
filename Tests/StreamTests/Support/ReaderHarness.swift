import Stream
import Testing

/// Runs stream readers for the tests.
enum ReaderHarness {
    /// Options for the stream `name` at `url`, at input size 320 (quicker to convert than 640).
    static func options(_ name: String = "test", url: String) -> StreamOptions {
        var options = StreamOptions(name: name, url: url)
        options.imageSize = 320
        return options
    }

    /// Options for the fixture `fixture` (see `MediaFixtures`), at input size 320.
    static func options(fixture: String) throws -> StreamOptions {
        options(url: try MediaFixtures.path(fixture))
    }

    /// Starts a reader over `options`, waits until it finishes by itself (at most `timeout`), and returns what
    /// its sink recorded and the reader.
    ///
    /// A reader that does not finish in time is stopped, and the test fails.
    static func readToEnd(
        _ options: StreamOptions, sink: RecordingSink = RecordingSink(), timeout: Duration = .seconds(30)
    ) throws -> (record: RecordingSink.Record, reader: StreamReader) {
        let reader = StreamReader(options: options, sink: sink)
        reader.start()
        let finished = reader.waitUntilFinished(timeout: timeout)
        if !finished {
            reader.stop()
            reader.waitUntilFinished(timeout: .seconds(5))
        }
        try #require(finished, "the reader of \(options.url) did not finish within \(timeout)")
        return (sink.snapshot, reader)
    }
}
