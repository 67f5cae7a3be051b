// Neural-network functions and autograd.

#include "ctorch_internal.hpp"

using ctorch::emit;
using ctorch::guarded;
using ctorch::ints;
using ctorch::optional_tensor;
using ctorch::require_out;
using ctorch::tensor_of;

namespace {

at::IntArrayRef pair(const int64_t *values, const char *what) {
    if (values == nullptr) {
        throw std::invalid_argument(std::string("null ") + what);
    }
    return at::IntArrayRef(values, 2);
}

}  // namespace

// MARK: - Neural-network functions

extern "C" int ct_conv2d(ct_tensor input, ct_tensor weight, ct_tensor bias, const int64_t *stride,
                         const int64_t *padding, const int64_t *dilation, int64_t groups, ct_tensor *out) {
    return guarded([&] {
        emit(out, at::conv2d(tensor_of(input), tensor_of(weight), optional_tensor(bias), pair(stride, "stride"),
                             pair(padding, "padding"), pair(dilation, "dilation"), groups));
    });
}

extern "C" int ct_batch_norm(ct_tensor input, ct_tensor weight, ct_tensor bias, ct_tensor running_mean,
                             ct_tensor running_var, bool training, double momentum, double eps, ct_tensor *out) {
    return guarded([&] {
        emit(out, at::batch_norm(tensor_of(input), optional_tensor(weight), optional_tensor(bias),
                                 optional_tensor(running_mean), optional_tensor(running_var), training, momentum, eps,
                                 /*cudnn_enabled=*/false));
    });
}

extern "C" int ct_max_pool2d(ct_tensor input, const int64_t *kernel, const int64_t *stride, const int64_t *padding,
                             const int64_t *dilation, bool ceil_mode, ct_tensor *out) {
    return guarded([&] {
        emit(out, at::max_pool2d(tensor_of(input), pair(kernel, "kernel"), pair(stride, "stride"),
                                 pair(padding, "padding"), pair(dilation, "dilation"), ceil_mode));
    });
}

extern "C" int ct_upsample_nearest2d(ct_tensor input, int64_t height, int64_t width, ct_tensor *out) {
    return guarded([&] {
        std::array<int64_t, 2> size{height, width};
        emit(out, at::upsample_nearest2d(tensor_of(input), size));
    });
}

extern "C" int ct_bce_with_logits(ct_tensor logits, ct_tensor target, ct_tensor weight, ct_tensor pos_weight,
                                  ct_reduction reduction, ct_tensor *out) {
    return guarded([&] {
        if (reduction < CT_REDUCTION_NONE || reduction > CT_REDUCTION_SUM) {
            throw std::invalid_argument("unknown reduction " + std::to_string(static_cast<int>(reduction)));
        }
        emit(out, at::binary_cross_entropy_with_logits(tensor_of(logits), tensor_of(target), optional_tensor(weight),
                                                       optional_tensor(pos_weight), static_cast<int64_t>(reduction)));
    });
}

// MARK: - Autograd

extern "C" int ct_set_requires_grad(ct_tensor tensor, bool requires_grad) {
    return guarded([&] {
        auto target = tensor_of(tensor);
        target.requires_grad_(requires_grad);
    });
}

extern "C" int ct_requires_grad(ct_tensor tensor, bool *out) {
    return guarded([&] { *require_out(out) = tensor_of(tensor).requires_grad(); });
}

extern "C" int ct_backward(ct_tensor tensor, ct_tensor gradient, bool retain_graph) {
    return guarded([&] { tensor_of(tensor).backward(optional_tensor(gradient), retain_graph); });
}

extern "C" int ct_grad(ct_tensor tensor, ct_tensor *out) {
    return guarded([&] {
        const auto &gradient = tensor_of(tensor).grad();
        if (gradient.defined()) {
            emit(out, gradient);
        } else {
            *require_out(out) = nullptr;
        }
    });
}

extern "C" int ct_zero_grad(ct_tensor tensor) {
    return guarded([&] {
        auto target = tensor_of(tensor);
        target.mutable_grad().reset();
    });
}

extern "C" int ct_detach(ct_tensor tensor, ct_tensor *out) {
    return guarded([&] { emit(out, tensor_of(tensor).detach()); });
}
