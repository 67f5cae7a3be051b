import Testing

/// The root of the Stream tests, run one at a time: the memory test reads the whole process's resident size,
/// which tests running beside it would disturb.
@Suite(.serialized)
struct StreamTests {}
