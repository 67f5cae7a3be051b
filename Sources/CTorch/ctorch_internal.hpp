// Shared plumbing of the CTorch translation units: handle types, the exception guard and conversions.
// Not part of the public header.

#pragma once

#include "CTorch.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>
#include <vector>

struct ct_tensor_s {
    at::Tensor tensor;
};

namespace ctorch {

/// Stores `message` as this thread's last error.
void set_last_error(const char *message);

/// Runs `body`, turning any exception into a thread-local message and status 1.
template <typename Body>
int guarded(Body &&body) noexcept {
    try {
        body();
        return 0;
    } catch (const c10::Error &error) {
        set_last_error(error.what_without_backtrace());
    } catch (const std::exception &error) {
        set_last_error(error.what());
    } catch (...) {
        set_last_error("unknown C++ exception");
    }
    return 1;
}

/// The tensor behind a borrowed handle; throws on NULL.
inline const at::Tensor &tensor_of(ct_tensor handle) {
    if (handle == nullptr) {
        throw std::invalid_argument("null tensor handle");
    }
    return handle->tensor;
}

/// The tensor behind an optional handle: undefined when NULL.
inline at::Tensor optional_tensor(ct_tensor handle) { return handle == nullptr ? at::Tensor() : handle->tensor; }

/// Checks an out-parameter.
template <typename T>
inline T *require_out(T *pointer) {
    if (pointer == nullptr) {
        throw std::invalid_argument("null out-parameter");
    }
    return pointer;
}

/// Hands a new tensor to the caller through `out`.
inline void emit(ct_tensor *out, at::Tensor tensor) { *require_out(out) = new ct_tensor_s{std::move(tensor)}; }

/// Borrowed handles as a vector of tensors.
inline std::vector<at::Tensor> tensors_of(const ct_tensor *handles, int64_t count) {
    if (count < 0 || (count > 0 && handles == nullptr)) {
        throw std::invalid_argument("bad tensor list");
    }
    std::vector<at::Tensor> tensors;
    tensors.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        tensors.push_back(tensor_of(handles[i]));
    }
    return tensors;
}

/// A list of int64 values, checked for NULL when non-empty.
inline at::IntArrayRef ints(const int64_t *values, int64_t count) {
    if (count < 0 || (count > 0 && values == nullptr)) {
        throw std::invalid_argument("bad integer list");
    }
    return at::IntArrayRef(values, static_cast<size_t>(count));
}

/// libtorch's scalar type for a ct_dtype; throws on an unknown value.
at::ScalarType scalar_type(ct_dtype dtype);
/// The ct_dtype for libtorch's scalar type; throws for a type CTorch does not expose.
ct_dtype ct_type(at::ScalarType type);

}  // namespace ctorch
