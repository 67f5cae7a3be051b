// Tensor lifetime, creation, element-wise arithmetic, reductions and shape functions.

#include "ctorch_internal.hpp"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>

using ctorch::emit;
using ctorch::guarded;
using ctorch::ints;
using ctorch::optional_tensor;
using ctorch::require_out;
using ctorch::tensor_of;

namespace {

thread_local std::string last_error;

at::TensorOptions options_for(ct_dtype dtype) { return at::TensorOptions().dtype(ctorch::scalar_type(dtype)); }

at::Tensor apply_unary(ct_unary_op op, const at::Tensor &x) {
    switch (op) {
    case CT_NEG: return x.neg();
    case CT_EXP: return x.exp();
    case CT_LOG: return x.log();
    case CT_SQRT: return x.sqrt();
    case CT_ABS: return x.abs();
    case CT_SIGMOID: return x.sigmoid();
    case CT_RELU: return x.relu();
    case CT_SILU: return at::silu(x);
    case CT_ATAN: return x.atan();
    case CT_TANH: return x.tanh();
    case CT_FLOOR: return x.floor();
    case CT_CEIL: return x.ceil();
    case CT_ROUND: return x.round();
    case CT_LOGICAL_NOT: return x.logical_not();
    case CT_SIGN: return x.sign();
    case CT_RECIPROCAL: return x.reciprocal();
    case CT_SIN: return x.sin();
    case CT_COS: return x.cos();
    }
    throw std::invalid_argument("unknown unary op " + std::to_string(static_cast<int>(op)));
}

void apply_unary_(ct_unary_op op, at::Tensor &x) {
    switch (op) {
    case CT_NEG: x.neg_(); return;
    case CT_EXP: x.exp_(); return;
    case CT_LOG: x.log_(); return;
    case CT_SQRT: x.sqrt_(); return;
    case CT_ABS: x.abs_(); return;
    case CT_SIGMOID: x.sigmoid_(); return;
    case CT_RELU: x.relu_(); return;
    case CT_SILU: at::silu_(x); return;
    case CT_ATAN: x.atan_(); return;
    case CT_TANH: x.tanh_(); return;
    case CT_FLOOR: x.floor_(); return;
    case CT_CEIL: x.ceil_(); return;
    case CT_ROUND: x.round_(); return;
    case CT_LOGICAL_NOT: x.logical_not_(); return;
    case CT_SIGN: x.sign_(); return;
    case CT_RECIPROCAL: x.reciprocal_(); return;
    case CT_SIN: x.sin_(); return;
    case CT_COS: x.cos_(); return;
    }
    throw std::invalid_argument("unknown unary op " + std::to_string(static_cast<int>(op)));
}

// `Other` is at::Tensor or at::Scalar; both overloads exist for every op here.
template <typename Other>
at::Tensor apply_binary(ct_binary_op op, const at::Tensor &a, const Other &b) {
    switch (op) {
    case CT_ADD: return at::add(a, b);
    case CT_SUB: return at::sub(a, b);
    case CT_MUL: return at::mul(a, b);
    case CT_DIV: return at::div(a, b);
    case CT_POW: return at::pow(a, b);
    case CT_EQ: return at::eq(a, b);
    case CT_NE: return at::ne(a, b);
    case CT_LT: return at::lt(a, b);
    case CT_LE: return at::le(a, b);
    case CT_GT: return at::gt(a, b);
    case CT_GE: return at::ge(a, b);
    case CT_REMAINDER: return at::remainder(a, b);
    default: break;
    }
    if constexpr (std::is_same_v<Other, at::Tensor>) {
        switch (op) {
        case CT_MINIMUM: return at::minimum(a, b);
        case CT_MAXIMUM: return at::maximum(a, b);
        case CT_LOGICAL_AND: return at::logical_and(a, b);
        case CT_LOGICAL_OR: return at::logical_or(a, b);
        case CT_ATAN2: return at::atan2(a, b);
        default: break;
        }
    } else {
        switch (op) {
        case CT_MINIMUM: return at::clamp_max(a, b);
        case CT_MAXIMUM: return at::clamp_min(a, b);
        default: break;
        }
    }
    throw std::invalid_argument("binary op " + std::to_string(static_cast<int>(op)) + " is not available here");
}

template <typename Other>
void apply_binary_(ct_binary_op op, at::Tensor &a, const Other &b) {
    switch (op) {
    case CT_ADD: a.add_(b); return;
    case CT_SUB: a.sub_(b); return;
    case CT_MUL: a.mul_(b); return;
    case CT_DIV: a.div_(b); return;
    case CT_POW: a.pow_(b); return;
    case CT_REMAINDER: a.remainder_(b); return;
    case CT_MINIMUM: a.clamp_max_(b); return;
    case CT_MAXIMUM: a.clamp_min_(b); return;
    default: break;
    }
    throw std::invalid_argument("in-place binary op " + std::to_string(static_cast<int>(op)) + " is not available");
}

// An integral value applied to an integer tensor stays integral, so that in-place updates keep the type.
at::Scalar scalar_for(const at::Tensor &tensor, double value) {
    bool is_whole = std::nearbyint(value) == value;
    if (is_whole && at::isIntegralType(tensor.scalar_type(), /*includeBool=*/false)) {
        return at::Scalar(static_cast<int64_t>(value));
    }
    return at::Scalar(value);
}

std::vector<at::Tensor> tensor_list(const ct_tensor *handles, int64_t count) {
    return ctorch::tensors_of(handles, count);
}

}  // namespace

namespace ctorch {

void set_last_error(const char *message) { last_error = message == nullptr ? "" : message; }

at::ScalarType scalar_type(ct_dtype dtype) {
    switch (dtype) {
    case CT_FLOAT32: return at::kFloat;
    case CT_FLOAT64: return at::kDouble;
    case CT_FLOAT16: return at::kHalf;
    case CT_BFLOAT16: return at::kBFloat16;
    case CT_INT64: return at::kLong;
    case CT_INT32: return at::kInt;
    case CT_INT16: return at::kShort;
    case CT_INT8: return at::kChar;
    case CT_UINT8: return at::kByte;
    case CT_BOOL: return at::kBool;
    }
    throw std::invalid_argument("unknown dtype " + std::to_string(static_cast<int>(dtype)));
}

ct_dtype ct_type(at::ScalarType type) {
    switch (type) {
    case at::kFloat: return CT_FLOAT32;
    case at::kDouble: return CT_FLOAT64;
    case at::kHalf: return CT_FLOAT16;
    case at::kBFloat16: return CT_BFLOAT16;
    case at::kLong: return CT_INT64;
    case at::kInt: return CT_INT32;
    case at::kShort: return CT_INT16;
    case at::kChar: return CT_INT8;
    case at::kByte: return CT_UINT8;
    case at::kBool: return CT_BOOL;
    default: break;
    }
    throw std::invalid_argument(std::string("unsupported scalar type ") + c10::toString(type));
}

}  // namespace ctorch

// MARK: - Errors and process settings

extern "C" const char *ct_last_error(void) { return last_error.c_str(); }

extern "C" int ct_manual_seed(uint64_t seed) {
    return guarded([&] { at::manual_seed(seed); });
}

extern "C" int ct_set_num_threads(int32_t count) {
    return guarded([&] {
        if (count < 1) {
            throw std::invalid_argument("thread count must be at least 1");
        }
        at::set_num_threads(count);
    });
}

extern "C" int ct_get_num_threads(int32_t *count) {
    return guarded([&] { *require_out(count) = at::get_num_threads(); });
}

extern "C" int ct_set_grad_enabled(bool enabled, bool *previous) {
    return guarded([&] {
        bool old = at::GradMode::is_enabled();
        at::GradMode::set_enabled(enabled);
        if (previous != nullptr) {
            *previous = old;
        }
    });
}

extern "C" int ct_is_grad_enabled(bool *enabled) {
    return guarded([&] { *require_out(enabled) = at::GradMode::is_enabled(); });
}

// MARK: - Tensor lifetime and facts

extern "C" void ct_tensor_free(ct_tensor tensor) { delete tensor; }

extern "C" int ct_tensor_share(ct_tensor tensor, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(tensor)); });
}

extern "C" int ct_tensor_dtype(ct_tensor tensor, ct_dtype *out) {
    return guarded([&] { *require_out(out) = ctorch::ct_type(tensor_of(tensor).scalar_type()); });
}

extern "C" int ct_tensor_dim(ct_tensor tensor, int64_t *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).dim(); });
}

extern "C" int ct_tensor_sizes(ct_tensor tensor, int64_t *sizes, int64_t capacity, int64_t *dim) {
    return guarded([&] {
        auto shape = tensor_of(tensor).sizes();
        *require_out(dim) = static_cast<int64_t>(shape.size());
        for (size_t i = 0; i < shape.size() && static_cast<int64_t>(i) < capacity; ++i) {
            sizes[i] = shape[i];
        }
    });
}

extern "C" int ct_tensor_strides(ct_tensor tensor, int64_t *strides, int64_t capacity, int64_t *dim) {
    return guarded([&] {
        auto steps = tensor_of(tensor).strides();
        *require_out(dim) = static_cast<int64_t>(steps.size());
        for (size_t i = 0; i < steps.size() && static_cast<int64_t>(i) < capacity; ++i) {
            strides[i] = steps[i];
        }
    });
}

extern "C" int ct_tensor_numel(ct_tensor tensor, int64_t *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).numel(); });
}

extern "C" int ct_tensor_is_contiguous(ct_tensor tensor, bool channels_last, bool *out) {
    return guarded([&] {
        auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
        *require_out(out) = tensor_of(tensor).is_contiguous(format);
    });
}

extern "C" int ct_tensor_is_defined(ct_tensor tensor, bool *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).defined(); });
}

extern "C" int ct_tensor_data_ptr(ct_tensor tensor, void **out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).data_ptr(); });
}

extern "C" int ct_tensor_copy_to(ct_tensor tensor, void *destination, int64_t byte_count) {
    return guarded([&] {
        auto source = tensor_of(tensor).detach().contiguous();
        auto needed = static_cast<int64_t>(source.numel() * source.element_size());
        if (needed != byte_count) {
            throw std::invalid_argument("tensor holds " + std::to_string(needed) + " bytes, destination " +
                                        std::to_string(byte_count));
        }
        if (needed > 0) {
            std::memcpy(destination, source.data_ptr(), static_cast<size_t>(needed));
        }
    });
}

extern "C" int ct_tensor_item_double(ct_tensor tensor, double *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).item<double>(); });
}

extern "C" int ct_tensor_item_int64(ct_tensor tensor, int64_t *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).item<int64_t>(); });
}

// MARK: - Creation

extern "C" int ct_tensor_from_bytes(const void *data, int64_t byte_count, const int64_t *sizes, int64_t dim,
                                    ct_dtype dtype, ct_tensor *out) {
    return guarded([&] {
        auto result = at::empty(ints(sizes, dim), options_for(dtype));
        auto needed = static_cast<int64_t>(result.numel() * result.element_size());
        if (needed != byte_count) {
            throw std::invalid_argument("shape needs " + std::to_string(needed) + " bytes, buffer holds " +
                                        std::to_string(byte_count));
        }
        if (needed > 0) {
            std::memcpy(result.data_ptr(), data, static_cast<size_t>(needed));
        }
        emit(out, std::move(result));
    });
}

extern "C" int ct_tensor_from_blob(void *data, const int64_t *sizes, int64_t dim, ct_dtype dtype,
                                   void (*release)(void *), void *context, ct_tensor *out) {
    // Ownership of `context` passes on entry: it is released exactly once, on failure as on success.
    bool handed_over = false;
    int status = guarded([&] {
        auto options = options_for(dtype);
        auto shape = ints(sizes, dim);
        require_out(out);
        handed_over = true;
        emit(out, at::for_blob(data, shape).context(context, release).options(options).make_tensor());
    });
    if (!handed_over && release != nullptr) {
        release(context);
    }
    return status;
}

extern "C" int ct_empty(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, at::empty(ints(sizes, dim), options_for(dtype))); });
}

extern "C" int ct_full(const int64_t *sizes, int64_t dim, double value, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, at::full(ints(sizes, dim), value, options_for(dtype))); });
}

extern "C" int ct_rand(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, at::rand(ints(sizes, dim), options_for(dtype))); });
}

extern "C" int ct_randn(const int64_t *sizes, int64_t dim, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, at::randn(ints(sizes, dim), options_for(dtype))); });
}

extern "C" int ct_randint(int64_t low, int64_t high, const int64_t *sizes, int64_t dim, ct_dtype dtype,
                          ct_tensor *out) {
    return guarded([&] { emit(out, at::randint(low, high, ints(sizes, dim), options_for(dtype))); });
}

extern "C" int ct_arange(double start, double end, double step, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, at::arange(start, end, step, options_for(dtype))); });
}

extern "C" int ct_randperm(int64_t n, ct_tensor *out) {
    return guarded([&] { emit(out, at::randperm(n, at::TensorOptions().dtype(at::kLong))); });
}

// MARK: - Conversion and layout

extern "C" int ct_to_dtype(ct_tensor tensor, ct_dtype dtype, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(tensor).to(ctorch::scalar_type(dtype))); });
}

extern "C" int ct_contiguous(ct_tensor tensor, bool channels_last, ct_tensor *out) {
    return guarded([&] {
        auto format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
        emit(out, tensor_of(tensor).contiguous(format));
    });
}

extern "C" int ct_clone(ct_tensor tensor, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(tensor).clone()); });
}

extern "C" int ct_copy_(ct_tensor destination, ct_tensor source) {
    return guarded([&] {
        auto target = tensor_of(destination);
        target.copy_(tensor_of(source));
    });
}

extern "C" int ct_fill_(ct_tensor tensor, double value) {
    return guarded([&] {
        auto target = tensor_of(tensor);
        target.fill_(value);
    });
}

// MARK: - Element-wise arithmetic

extern "C" int ct_unary(ct_unary_op op, ct_tensor x, ct_tensor *out) {
    return guarded([&] { emit(out, apply_unary(op, tensor_of(x))); });
}

extern "C" int ct_unary_(ct_unary_op op, ct_tensor x) {
    return guarded([&] {
        auto target = tensor_of(x);
        apply_unary_(op, target);
    });
}

extern "C" int ct_binary(ct_binary_op op, ct_tensor a, ct_tensor b, ct_tensor *out) {
    return guarded([&] { emit(out, apply_binary(op, tensor_of(a), tensor_of(b))); });
}

extern "C" int ct_binary_scalar(ct_binary_op op, ct_tensor a, double scalar, ct_tensor *out) {
    return guarded([&] { emit(out, apply_binary(op, tensor_of(a), scalar_for(tensor_of(a), scalar))); });
}

extern "C" int ct_scalar_binary(ct_binary_op op, double scalar, ct_tensor b, ct_tensor *out) {
    return guarded([&] {
        const auto &x = tensor_of(b);
        switch (op) {
        case CT_ADD: emit(out, at::add(x, scalar)); return;
        case CT_MUL: emit(out, at::mul(x, scalar)); return;
        case CT_SUB: emit(out, at::rsub(x, scalar)); return;
        case CT_DIV: emit(out, at::mul(x.reciprocal(), scalar)); return;
        case CT_POW: emit(out, at::pow(at::Scalar(scalar), x)); return;
        default: break;
        }
        throw std::invalid_argument("scalar-first op " + std::to_string(static_cast<int>(op)) + " is not available");
    });
}

extern "C" int ct_binary_(ct_binary_op op, ct_tensor a, ct_tensor b) {
    return guarded([&] {
        auto target = tensor_of(a);
        const auto &other = tensor_of(b);
        if (op == CT_MINIMUM || op == CT_MAXIMUM) {
            op == CT_MINIMUM ? at::minimum_out(target, target, other) : at::maximum_out(target, target, other);
            return;
        }
        apply_binary_(op, target, other);
    });
}

extern "C" int ct_binary_scalar_(ct_binary_op op, ct_tensor a, double scalar) {
    return guarded([&] {
        auto target = tensor_of(a);
        apply_binary_(op, target, scalar_for(target, scalar));
    });
}

extern "C" int ct_add_scaled_(ct_tensor a, ct_tensor b, double alpha) {
    return guarded([&] {
        auto target = tensor_of(a);
        target.add_(tensor_of(b), alpha);
    });
}

extern "C" int ct_clamp(ct_tensor x, bool has_min, double min, bool has_max, double max, ct_tensor *out) {
    return guarded([&] {
        c10::optional<at::Scalar> low = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
        c10::optional<at::Scalar> high = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
        emit(out, at::clamp(tensor_of(x), low, high));
    });
}

extern "C" int ct_clamp_(ct_tensor x, bool has_min, double min, bool has_max, double max) {
    return guarded([&] {
        c10::optional<at::Scalar> low = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
        c10::optional<at::Scalar> high = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
        auto target = tensor_of(x);
        at::clamp_(target, low, high);
    });
}

extern "C" int ct_leaky_relu(ct_tensor x, double negative_slope, ct_tensor *out) {
    return guarded([&] { emit(out, at::leaky_relu(tensor_of(x), negative_slope)); });
}

extern "C" int ct_leaky_relu_(ct_tensor x, double negative_slope) {
    return guarded([&] {
        auto target = tensor_of(x);
        at::leaky_relu_(target, negative_slope);
    });
}

extern "C" int ct_where(ct_tensor condition, ct_tensor a, ct_tensor b, ct_tensor *out) {
    return guarded([&] { emit(out, at::where(tensor_of(condition), tensor_of(a), tensor_of(b))); });
}

extern "C" int ct_masked_fill(ct_tensor x, ct_tensor mask, double value, ct_tensor *out) {
    return guarded([&] { emit(out, at::masked_fill(tensor_of(x), tensor_of(mask), value)); });
}

extern "C" int ct_matmul(ct_tensor a, ct_tensor b, ct_tensor *out) {
    return guarded([&] { emit(out, at::matmul(tensor_of(a), tensor_of(b))); });
}

extern "C" int ct_softmax(ct_tensor x, int64_t dim, bool log, ct_tensor *out) {
    return guarded([&] { emit(out, log ? at::log_softmax(tensor_of(x), dim) : at::softmax(tensor_of(x), dim)); });
}

// MARK: - Reductions and ordering

extern "C" int ct_reduce(ct_reduce_op op, ct_tensor x, const int64_t *dims, int64_t count, bool keepdim,
                         ct_tensor *out) {
    return guarded([&] {
        const auto &input = tensor_of(x);
        auto axes = ints(dims, count);
        bool all = count == 0;
        switch (op) {
        case CT_SUM: emit(out, all ? input.sum() : input.sum(axes, keepdim)); return;
        case CT_MEAN: emit(out, all ? input.mean() : input.mean(axes, keepdim)); return;
        case CT_AMAX: emit(out, all ? input.max() : input.amax(axes, keepdim)); return;
        case CT_AMIN: emit(out, all ? input.min() : input.amin(axes, keepdim)); return;
        case CT_PROD:
            if (all) {
                emit(out, input.prod());
                return;
            }
            if (count != 1) {
                throw std::invalid_argument("prod reduces one dimension at a time");
            }
            emit(out, input.prod(axes[0], keepdim));
            return;
        }
        throw std::invalid_argument("unknown reduction " + std::to_string(static_cast<int>(op)));
    });
}

extern "C" int ct_extremum_dim(ct_tensor x, int64_t dim, bool keepdim, bool is_max, ct_tensor *values,
                               ct_tensor *indices) {
    return guarded([&] {
        auto result = is_max ? tensor_of(x).max(dim, keepdim) : tensor_of(x).min(dim, keepdim);
        require_out(indices);
        emit(values, std::get<0>(result));
        emit(indices, std::get<1>(result));
    });
}

extern "C" int ct_argmax(ct_tensor x, int64_t dim, bool keepdim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).argmax(dim, keepdim)); });
}

extern "C" int ct_topk(ct_tensor x, int64_t k, int64_t dim, bool largest, bool sorted, ct_tensor *values,
                       ct_tensor *indices) {
    return guarded([&] {
        auto result = tensor_of(x).topk(k, dim, largest, sorted);
        require_out(indices);
        emit(values, std::get<0>(result));
        emit(indices, std::get<1>(result));
    });
}

extern "C" int ct_sort(ct_tensor x, int64_t dim, bool descending, ct_tensor *values, ct_tensor *indices) {
    return guarded([&] {
        auto result = tensor_of(x).sort(/*stable=*/true, dim, descending);
        require_out(indices);
        emit(values, std::get<0>(result));
        emit(indices, std::get<1>(result));
    });
}

extern "C" int ct_cumsum(ct_tensor x, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).cumsum(dim)); });
}

// MARK: - Shape and indexing

extern "C" int ct_reshape(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).reshape(ints(sizes, dim))); });
}

extern "C" int ct_view(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).view(ints(sizes, dim))); });
}

extern "C" int ct_permute(ct_tensor x, const int64_t *order, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).permute(ints(order, dim))); });
}

extern "C" int ct_transpose(ct_tensor x, int64_t dim0, int64_t dim1, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).transpose(dim0, dim1)); });
}

extern "C" int ct_narrow(ct_tensor x, int64_t dim, int64_t start, int64_t length, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).narrow(dim, start, length)); });
}

extern "C" int ct_slice(ct_tensor x, int64_t dim, int64_t start, int64_t end, int64_t step, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).slice(dim, start, end, step)); });
}

extern "C" int ct_expand(ct_tensor x, const int64_t *sizes, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).expand(ints(sizes, dim))); });
}

extern "C" int ct_unsqueeze(ct_tensor x, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).unsqueeze(dim)); });
}

extern "C" int ct_squeeze(ct_tensor x, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).squeeze(dim)); });
}

extern "C" int ct_index_select(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).index_select(dim, tensor_of(index))); });
}

extern "C" int ct_gather(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).gather(dim, tensor_of(index))); });
}

extern "C" int ct_scatter(ct_tensor x, int64_t dim, ct_tensor index, ct_tensor source, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).scatter(dim, tensor_of(index), tensor_of(source))); });
}

extern "C" int ct_masked_select(ct_tensor x, ct_tensor mask, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).masked_select(tensor_of(mask))); });
}

extern "C" int ct_nonzero(ct_tensor x, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(x).nonzero()); });
}

extern "C" int ct_index(ct_tensor x, const ct_tensor *indices, int64_t count, ct_tensor *out) {
    return guarded([&] {
        c10::List<c10::optional<at::Tensor>> list;
        for (const auto &index : tensor_list(indices, count)) {
            list.push_back(index);
        }
        emit(out, tensor_of(x).index(list));
    });
}

extern "C" int ct_index_put_(ct_tensor x, const ct_tensor *indices, int64_t count, ct_tensor values,
                             bool accumulate) {
    return guarded([&] {
        c10::List<c10::optional<at::Tensor>> list;
        for (const auto &index : tensor_list(indices, count)) {
            list.push_back(index);
        }
        auto target = tensor_of(x);
        target.index_put_(list, tensor_of(values), accumulate);
    });
}

extern "C" int ct_cat(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, at::cat(tensor_list(tensors, count), dim)); });
}

extern "C" int ct_stack(const ct_tensor *tensors, int64_t count, int64_t dim, ct_tensor *out) {
    return guarded([&] { emit(out, at::stack(tensor_list(tensors, count), dim)); });
}
