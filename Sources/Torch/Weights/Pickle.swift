import Foundation

/// A Python value rebuilt by `Unpickler`.
///
/// Containers are classes because a pickle fills them after they were memoised and shared. They belong to the
/// `Unpickler` that made them and are emptied by its `releaseGraph()`, so use them only while it is alive.
enum PickleValue {
    /// Python's `None`.
    case none
    /// A `bool`.
    case bool(Bool)
    /// An `int` that fits in 64 bits.
    case int(Int)
    /// An `int` wider than 64 bits, as its little-endian two's complement bytes.
    case bigInt([UInt8])
    /// A `float`.
    case float(Double)
    /// A `str` (or a Python 2 `str`, decoded as UTF-8).
    case string(String)
    /// A `bytes` or `bytearray`.
    case bytes([UInt8])
    /// A `tuple`.
    case tuple(PickleList)
    /// A `list`.
    case list(PickleList)
    /// A `set` or `frozenset`.
    case set(PickleList)
    /// A `dict`, `OrderedDict` or `defaultdict`.
    case dict(PickleDict)
    /// A class or function named by GLOBAL or STACK_GLOBAL, as `module.name`.
    case global(String)
    /// An instance of any other class, with its constructor arguments and BUILD state.
    case object(PickleObject)
    /// A storage returned by the persistent-load function.
    case storage(PickledStorage)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (or a parameter wrapping one).
    case tensor(PickledTensor)

    /// A short description of the value's type for error messages, with its article: `an int`, `None`,
    /// `a models.common.Conv object`.
    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int, .bigInt: "an int"
        case .float: "a float"
        case .string: "a str"
        case .bytes: "a bytes"
        case .tuple: "a tuple"
        case .list: "a list"
        case .set: "a set"
        case .dict(let dict): "a \(dict.className)"
        case .global(let name): "a reference to \(name)"
        case .object(let object): "a \(object.className) object"
        case .storage: "a storage"
        case .tensor: "a tensor"
        }
    }

    /// The value as metadata text when it is a scalar (`int`, `float`, `bool`, `str`), otherwise nil.
    var scalarText: String? {
        switch self {
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .string(let value): value
        default: nil
        }
    }

    /// The value as compact JSON when it is made only of plain values (None, numbers, strings, lists, tuples,
    /// dicts with string keys), nesting at most 16 deep and rendering to at most `limit` UTF-8 bytes.
    func jsonText(limit: Int = 65536) -> String? {
        var output = ""
        return appendJSON(to: &output, depth: 0, limit: limit) ? output : nil
    }

    /// Appends the JSON rendering to `output`; false when the value is not plain or the limits are exceeded.
    private func appendJSON(to output: inout String, depth: Int, limit: Int) -> Bool {
        guard depth < 16, output.utf8.count <= limit else { return false }
        switch self {
        case .none: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .float(let value): output += value.isFinite ? String(value) : "null"
        case .string(let value): JSONText.appendQuoted(value, to: &output)
        case .tuple(let list), .list(let list):
            output += "["
            for (index, item) in list.items.enumerated() {
                if index > 0 { output += "," }
                guard item.appendJSON(to: &output, depth: depth + 1, limit: limit) else { return false }
            }
            output += "]"
        case .dict(let dict):
            output += "{"
            for index in dict.keys.indices {
                guard case .string(let key) = dict.keys[index] else { return false }
                if index > 0 { output += "," }
                JSONText.appendQuoted(key, to: &output)
                output += ":"
                guard dict.values[index].appendJSON(to: &output, depth: depth + 1, limit: limit) else { return false }
            }
            output += "}"
        default: return false
        }
        return output.utf8.count <= limit
    }

}

/// The items of a pickled `list`, `tuple` or `set`.
final class PickleList {
    /// The elements in order.
    var items: [PickleValue]

    /// Creates a container holding `items`.
    init(_ items: [PickleValue] = []) {
        self.items = items
    }
}

/// A pickled `dict` or `OrderedDict`: entries in insertion order, any key type, string and int keys indexed.
final class PickleDict {
    /// A hashable form of the key types that can be looked up.
    private enum IndexKey: Hashable {
        case string(String)
        case int(Int)
    }

    /// The Python class, e.g. `dict` or `collections.OrderedDict`.
    let className: String
    /// The keys in insertion order.
    private(set) var keys: [PickleValue] = []
    /// The values, parallel to `keys`.
    private(set) var values: [PickleValue] = []
    private var index: [IndexKey: Int] = [:]

    /// Creates an empty dictionary of class `className`.
    init(className: String) {
        self.className = className
    }

    /// The value stored under the string `key`, if any.
    subscript(key: String) -> PickleValue? {
        index[.string(key)].map { values[$0] }
    }

    /// Sets `value` for `key`, replacing an earlier value in place as Python does for equal str or int keys.
    func set(_ value: PickleValue, for key: PickleValue) {
        let indexKey: IndexKey? =
            switch key {
            case .string(let text): .string(text)
            case .int(let number): .int(number)
            default: nil
            }
        if let indexKey, let existing = index[indexKey] {
            values[existing] = value
            return
        }
        if let indexKey { index[indexKey] = keys.count }
        keys.append(key)
        values.append(value)
    }

    /// Removes every entry.
    func removeAll() {
        keys = []
        values = []
        index = [:]
    }
}

/// An instance of a class the unpickler does not model, such as `models.common.Conv` or an `nn.Module`.
final class PickleObject {
    /// The class, as `module.name`.
    let className: String
    /// The arguments given to the class by NEWOBJ or REDUCE.
    var args: [PickleValue]
    /// The state set by BUILD, for modules the instance `__dict__`.
    var state: PickleValue?

    /// Creates an instance of `className` built from `args`.
    init(className: String, args: [PickleValue]) {
        self.className = className
        self.args = args
    }
}

/// A storage as named by a persistent id `('storage', type, key, location, numel)`.
struct PickledStorage {
    /// The element type given by the storage class, e.g. `float16` for `torch.HalfStorage`.
    let dtype: DType
    /// The record key: the bytes are in the archive entry `<prefix>/data/<key>`.
    let key: String
    /// The device the storage was saved from, e.g. `cpu`.
    let location: String
    /// The number of elements in the storage.
    let elementCount: Int
}

/// A tensor as a view on a storage: an offset, a shape and strides, all in elements.
struct PickledTensor {
    /// The storage the elements live in.
    let storage: PickledStorage
    /// The index of the first element in the storage.
    let offset: Int
    /// The size of each dimension.
    let shape: [Int]
    /// The step in elements between neighbours along each dimension.
    let strides: [Int]
}

/// Unpickler for the pickles `torch.save` writes (protocol 2, and the protocol 3-5 opcodes Python may emit).
///
/// It runs the pickle virtual machine on `bytes`. Classes are never imported: known constructors
/// (`OrderedDict`, `set`, torch's tensor and parameter rebuilders) are modelled, every other class becomes a
/// `PickleObject`. Storages come from the persistent-load function. Any problem throws
/// `TorchError.malformedFile` with a reason starting `pickle:` and naming the offset in the pickle.
final class Unpickler {
    /// Turns a persistent id (the value before BINPERSID) into a value, normally a `.storage`.
    typealias PersistentLoad = (PickleValue) throws -> PickleValue

    private let bytes: [UInt8]
    private let path: String
    private let persistentLoad: PersistentLoad
    private var position = 0
    private var opcodeOffset = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    private var objects: [PickleObject] = []

    private static let maximumStackDepth = 1 << 20
    private static let maximumDimensions = 64

    /// Creates an unpickler for `bytes`; `path` names the file in error messages.
    init(bytes: Data, path: String, persistentLoad: @escaping PersistentLoad) {
        self.bytes = [UInt8](bytes)
        self.path = path
        self.persistentLoad = persistentLoad
    }

    deinit {
        releaseGraph()
    }

    /// Empties every container this unpickler made, so that freeing them never recurses deeply, whatever the
    /// nesting an input built. Values returned by `load()` are unusable afterwards.
    func releaseGraph() {
        for list in lists { list.items = [] }
        for dict in dicts { dict.removeAll() }
        for object in objects {
            object.args = []
            object.state = nil
        }
        stack = []
        memo = [:]
    }

    /// Runs the pickle up to its STOP opcode and returns the value it left.
    func load() throws -> PickleValue {
        while true {
            opcodeOffset = position
            guard position < bytes.count else { throw fail("the data ends before the STOP opcode") }
            let opcode = bytes[position]
            position += 1
            if opcode == 0x2E { return try pop() }
            try execute(opcode)
        }
    }

    // MARK: - Opcodes

    /// Executes one opcode other than STOP.
    private func execute(_ opcode: UInt8) throws {
        switch opcode {
        case 0x80:  // PROTO
            let version = try readInteger(width: 1)
            guard version <= 5 else { throw fail("unsupported protocol \(version)") }
        case 0x95: _ = try readInteger(width: 8)  // FRAME: the length only helps buffered readers
        case 0x28: marks.append(stack.count)  // MARK
        case 0x30:  // POP
            if stack.count > (marks.last ?? 0) { stack.removeLast() } else { _ = try popMark() }
        case 0x31: _ = try popMark()  // POP_MARK
        case 0x32: try push(top())  // DUP
        case 0x4E: try push(.none)  // NONE
        case 0x88: try push(.bool(true))  // NEWTRUE
        case 0x89: try push(.bool(false))  // NEWFALSE
        case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try readInteger(width: 4)))))  // BININT
        case 0x4B: try push(.int(try readInteger(width: 1)))  // BININT1
        case 0x4D: try push(.int(try readInteger(width: 2)))  // BININT2
        case 0x8A: try push(try readLong(length: readInteger(width: 1)))  // LONG1
        case 0x8B: try push(try readLong(length: readInteger(width: 4)))  // LONG4
        case 0x47:  // BINFLOAT: big-endian IEEE 754 double
            let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            try push(.float(Double(bitPattern: raw)))
        case 0x58, 0x54: try push(.string(try readText(lengthWidth: 4)))  // BINUNICODE, BINSTRING
        case 0x8C, 0x55: try push(.string(try readText(lengthWidth: 1)))  // SHORT_BINUNICODE, SHORT_BINSTRING
        case 0x8D: try push(.string(try readText(lengthWidth: 8)))  // BINUNICODE8
        case 0x42: try push(.bytes(Array(try readCounted(lengthWidth: 4))))  // BINBYTES
        case 0x43: try push(.bytes(Array(try readCounted(lengthWidth: 1))))  // SHORT_BINBYTES
        case 0x8E, 0x96: try push(.bytes(Array(try readCounted(lengthWidth: 8))))  // BINBYTES8, BYTEARRAY8
        case 0x29: try push(.tuple(makeList([])))  // EMPTY_TUPLE
        case 0x74: try push(.tuple(makeList(try popMark())))  // TUPLE
        case 0x85, 0x86, 0x87: try push(.tuple(makeList(try pop(count: Int(opcode) - 0x84))))  // TUPLE1-3
        case 0x5D: try push(.list(makeList([])))  // EMPTY_LIST
        case 0x6C: try push(.list(makeList(try popMark())))  // LIST
        case 0x61: try append([try pop()])  // APPEND
        case 0x65: try append(try popMark())  // APPENDS
        case 0x7D: try push(.dict(makeDict("dict")))  // EMPTY_DICT
        case 0x64:  // DICT
            let dict = makeDict("dict")
            try fill(dict, with: try popMark())
            try push(.dict(dict))
        case 0x73: try setItems(try pop(count: 2))  // SETITEM
        case 0x75: try setItems(try popMark())  // SETITEMS
        case 0x8F: try push(.set(makeList([])))  // EMPTY_SET
        case 0x90:  // ADDITEMS
            let items = try popMark()
            guard case .set(let set) = try top() else { throw fail("ADDITEMS on \(try top().typeName)") }
            set.items += items
        case 0x91: try push(.set(makeList(try popMark())))  // FROZENSET
        default: try executeObjectOpcode(opcode)
        }
    }

    /// Executes the opcodes that name classes, build objects, and use the memo.
    private func executeObjectOpcode(_ opcode: UInt8) throws {
        switch opcode {
        case 0x63:  // GLOBAL
            let module = try readLine()
            try push(.global(module + "." + (try readLine())))
        case 0x93:  // STACK_GLOBAL
            let names = try pop(count: 2)
            guard case .string(let module) = names[0], case .string(let name) = names[1] else {
                throw fail("STACK_GLOBAL needs two strings, found \(names[0].typeName) and \(names[1].typeName)")
            }
            try push(.global(module + "." + name))
        case 0x52:  // REDUCE
            let arguments = try pop()
            let callable = try pop()
            try push(try construct(callable, arguments: tupleItems(arguments, for: "REDUCE")))
        case 0x81:  // NEWOBJ
            let arguments = try pop()
            let callable = try pop()
            try push(try construct(callable, arguments: tupleItems(arguments, for: "NEWOBJ")))
        case 0x92:  // NEWOBJ_EX
            // TODO: keyword arguments of NEWOBJ_EX are dropped.
            _ = try pop()
            let arguments = try pop()
            let callable = try pop()
            try push(try construct(callable, arguments: tupleItems(arguments, for: "NEWOBJ_EX")))
        case 0x62: try build(state: try pop())  // BUILD
        case 0x51: try push(try persistentLoad(try pop()))  // BINPERSID
        case 0x71: memo[try readInteger(width: 1)] = try top()  // BINPUT
        case 0x72: memo[try readInteger(width: 4)] = try top()  // LONG_BINPUT
        case 0x94: memo[memo.count] = try top()  // MEMOIZE
        case 0x68: try push(try memoValue(try readInteger(width: 1)))  // BINGET
        case 0x6A: try push(try memoValue(try readInteger(width: 4)))  // LONG_BINGET
        default:
            // TODO: protocol 0/1 text opcodes (INT, LONG, STRING, PUT, GET, PERSID...) and EXT1-4 are unsupported;
            // torch.save never writes them.
            let hex = String(opcode, radix: 16)
            throw fail("unsupported opcode 0x" + (hex.count < 2 ? "0" : "") + hex)
        }
    }

    /// Calls a class or function: models the ones torch files need, records any other as a `PickleObject`.
    private func construct(_ callable: PickleValue, arguments: [PickleValue], nested: Bool = false) throws
        -> PickleValue
    {
        guard case .global(let name) = callable else { throw fail("cannot call \(callable.typeName)") }
        switch name {
        case "collections.OrderedDict", "builtins.dict", "__builtin__.dict", "collections.defaultdict":
            let dict = makeDict(name)
            if name != "collections.defaultdict", let source = arguments.first {
                for pair in try elements(of: source) {
                    let items = try elements(of: pair)
                    guard items.count == 2 else { throw fail("\(name) needs key-value pairs") }
                    dict.set(items[1], for: items[0])
                }
            }
            return .dict(dict)
        case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset":
            return .set(makeList(try arguments.first.map(elements(of:)) ?? []))
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            return .tensor(try rebuildTensor(name, arguments))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            guard let tensor = arguments.first, case .tensor = tensor else {
                throw fail("\(name) expects a tensor, found \(arguments.first?.typeName ?? "nothing")")
            }
            return tensor
        case "torch._tensor._rebuild_from_type_v2":
            guard !nested, arguments.count >= 3 else { throw fail("\(name) has unexpected arguments") }
            return try construct(arguments[0], arguments: tupleItems(arguments[2], for: name), nested: true)
        default:
            let object = PickleObject(className: name, args: arguments)
            objects.append(object)
            return .object(object)
        }
    }

    /// Builds a tensor view from `(storage, storage_offset, size, stride, ...)`.
    private func rebuildTensor(_ name: String, _ arguments: [PickleValue]) throws -> PickledTensor {
        guard arguments.count >= 4 else { throw fail("\(name) needs 4 arguments, found \(arguments.count)") }
        guard case .storage(let storage) = arguments[0] else {
            throw fail("\(name) expects a storage, found \(arguments[0].typeName)")
        }
        guard case .int(let offset) = arguments[1], offset >= 0 else {
            let found = arguments[1].scalarText ?? arguments[1].typeName
            throw fail("\(name) expects a storage offset >= 0, found \(found)")
        }
        let shape = try integers(arguments[2], what: "size")
        let strides = try integers(arguments[3], what: "stride")
        // TODO: negative strides are rejected (torch.save never writes them) and at most 64 dimensions are accepted.
        guard shape.count == strides.count, shape.count <= Self.maximumDimensions else {
            throw fail("\(name) has \(shape.count) sizes and \(strides.count) strides")
        }
        return PickledTensor(storage: storage, offset: offset, shape: shape, strides: strides)
    }

    /// Applies BUILD: the state of an object becomes its `state`; attributes of other values are ignored.
    private func build(state: PickleValue) throws {
        guard case .object(let object) = try top() else { return }
        if case .tuple(let pair) = state, pair.items.count == 2 {
            // (state, slotstate): keep whichever is a dictionary.
            if case .dict = pair.items[0] {
                object.state = pair.items[0]
            } else {
                object.state = pair.items[1]
            }
        } else {
            object.state = state
        }
    }

    /// Appends `items` to the list on top of the stack.
    private func append(_ items: [PickleValue]) throws {
        guard case .list(let list) = try top() else { throw fail("cannot append to \(try top().typeName)") }
        list.items += items
    }

    /// Sets key-value pairs from `items` into the dictionary on top of the stack.
    private func setItems(_ items: [PickleValue]) throws {
        guard case .dict(let dict) = try top() else { throw fail("cannot set items of \(try top().typeName)") }
        try fill(dict, with: items)
    }

    /// Sets alternating keys and values into `dict`.
    private func fill(_ dict: PickleDict, with items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("a dictionary needs key-value pairs, found \(items.count) items") }
        for index in stride(from: 0, to: items.count, by: 2) {
            dict.set(items[index + 1], for: items[index])
        }
    }

    // MARK: - Stack and memo

    private func push(_ value: PickleValue) throws {
        guard stack.count < Self.maximumStackDepth else { throw fail("the stack exceeds \(Self.maximumStackDepth)") }
        stack.append(value)
    }

    private func top() throws -> PickleValue {
        guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return value
    }

    private func pop() throws -> PickleValue {
        try pop(count: 1)[0]
    }

    /// Pops `count` values above the last mark, oldest first.
    private func pop(count: Int) throws -> [PickleValue] {
        guard stack.count - (marks.last ?? 0) >= count else { throw fail("stack underflow") }
        let values = Array(stack[(stack.count - count)...])
        stack.removeLast(count)
        return values
    }

    /// Pops everything above the last mark, and the mark.
    private func popMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK to pop to") }
        let values = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return values
    }

    private func memoValue(_ key: Int) throws -> PickleValue {
        guard let value = memo[key] else { throw fail("memo key \(key) is not defined") }
        return value
    }

    private func makeList(_ items: [PickleValue]) -> PickleList {
        let list = PickleList(items)
        lists.append(list)
        return list
    }

    private func makeDict(_ className: String) -> PickleDict {
        let dict = PickleDict(className: className)
        dicts.append(dict)
        return dict
    }

    /// The items of a tuple argument list.
    private func tupleItems(_ value: PickleValue, for opcode: String) throws -> [PickleValue] {
        guard case .tuple(let tuple) = value else { throw fail("\(opcode) expects a tuple, found \(value.typeName)") }
        return tuple.items
    }

    /// The items of a tuple, list or set.
    private func elements(of value: PickleValue) throws -> [PickleValue] {
        switch value {
        case .tuple(let list), .list(let list), .set(let list): return list.items
        default: throw fail("expected a sequence, found \(value.typeName)")
        }
    }

    /// A tuple (or `torch.Size`) of non-negative integers.
    private func integers(_ value: PickleValue, what: String) throws -> [Int] {
        var source = value
        if case .object(let object) = value, object.className == "torch.Size", let first = object.args.first {
            source = first
        }
        return try elements(of: source).map { item in
            guard case .int(let number) = item, number >= 0 else {
                throw fail("tensor \(what) holds \(item.scalarText ?? item.typeName), not an integer >= 0")
            }
            return number
        }
    }

    // MARK: - Reading operands

    /// Reads an unsigned little-endian integer of `width` bytes (at most 8; 8-byte values must fit in `Int`).
    private func readInteger(width: Int) throws -> Int {
        let slice = try take(width)
        var value: UInt64 = 0
        for byte in slice.reversed() { value = value << 8 | UInt64(byte) }
        guard value <= UInt64(Int.max) else { throw fail("the operand \(value) is too large") }
        return Int(value)
    }

    /// Reads a LONG1/LONG4 body of `length` bytes.
    private func readLong(length: Int) throws -> PickleValue {
        let slice = try take(length)
        guard let last = slice.last else { return .int(0) }
        guard length <= 8 else { return .bigInt(Array(slice)) }
        var value: UInt64 = 0
        for byte in slice.reversed() { value = value << 8 | UInt64(byte) }
        if length < 8, last & 0x80 != 0 { value |= ~UInt64(0) << UInt64(8 * length) }
        return .int(Int(Int64(bitPattern: value)))
    }

    /// Reads a length of `lengthWidth` bytes, then that many bytes.
    private func readCounted(lengthWidth: Int) throws -> ArraySlice<UInt8> {
        try take(try readInteger(width: lengthWidth))
    }

    /// Reads a counted string, decoding UTF-8 leniently.
    private func readText(lengthWidth: Int) throws -> String {
        String(decoding: try readCounted(lengthWidth: lengthWidth), as: UTF8.self)
    }

    /// Reads a newline-terminated line of at most 4096 bytes.
    private func readLine() throws -> String {
        let end = min(bytes.count, position + 4096)
        guard let newline = bytes[position..<end].firstIndex(of: 0x0A) else {
            throw fail("GLOBAL has no newline-terminated name")
        }
        let line = String(decoding: bytes[position..<newline], as: UTF8.self)
        position = newline + 1
        return line
    }

    /// The next `count` bytes, after checking they are there.
    private func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw fail("an operand of \(count) bytes runs past the end of the data (\(bytes.count) bytes)")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private func fail(_ reason: String) -> TorchError {
        .malformedFile(path: path, reason: "pickle: \(reason) at offset \(opcodeOffset)")
    }
}
