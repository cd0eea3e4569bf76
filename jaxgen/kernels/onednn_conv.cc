// XLA FFI handlers running a 2-D convolution and its two gradients on oneDNN (CPU only).
//
// Layouts are XLA's row-major buffers as jaxgen's networks hold them: images NHWC, kernels
// HWIO. With stride s and padding (lo, hi) per spatial axis,
//
//   forward      y[n, i, j, o]  = sum_{a, b, c} x[n, s i + a - lo, s j + b - lo, c] w[a, b, c, o]
//   input grad   dx[n, h, w, c] = sum_{i, j, a, b, o} [h = s i + a - lo][w = s j + b - lo]
//                                                        dy[n, i, j, o] w[a, b, c, o]
//   weight grad  dw[a, b, c, o] = sum_{n, i, j} x[n, s i + a - lo, s j + b - lo, c] dy[n, i, j, o]
//
// (out-of-range x reads are zero). Each handler builds its oneDNN primitive once per geometry
// and keeps it. Images stay NHWC, which oneDNN's AVX2 brgemm convolutions read in place; the
// kernel goes to the blocked format the primitive asks for (a reorder per call, or back from it
// for the weight gradient); blocking the images too would reorder every activation per call.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>

#include "dnnl.hpp"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;
using dnnl::memory;
using Tag = memory::format_tag;

namespace {

enum class Pass { kForward, kInputGrad, kWeightGrad };

// Everything that fixes a primitive: the operand shapes, strides and padding.
struct Geometry {
  int64_t n, h, w, c, o, kh, kw, oh, ow, sh, sw, pt, pb, pl, pr;
  auto key() const { return std::tie(n, h, w, c, o, kh, kw, oh, ow, sh, sw, pt, pb, pl, pr); }
  bool operator<(const Geometry& other) const { return key() < other.key(); }
  memory::desc image(Tag tag) const {
    return memory::desc({n, c, h, w}, memory::data_type::f32, tag);
  }
  memory::desc kernel(Tag tag) const {
    return memory::desc({o, c, kh, kw}, memory::data_type::f32, tag);
  }
  memory::desc output(Tag tag) const {
    return memory::desc({n, o, oh, ow}, memory::data_type::f32, tag);
  }
};

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// XLA runs independent thunks at once, so primitives execute concurrently on several threads.
// oneDNN makes that safe only with a scratchpad per call (user-managed); with its shared one,
// the CycleGAN digits step crashed in 2 runs out of 3 (tests/core/test_precision.py).
dnnl::primitive_attr own_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::convolution_forward::primitive_desc forward_desc(const Geometry& g) {
  return dnnl::convolution_forward::primitive_desc(
      cpu_engine(), dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
      g.image(Tag::nhwc), g.kernel(Tag::any), g.output(Tag::nhwc), {g.sh, g.sw}, {g.pt, g.pl},
      {g.pb, g.pr}, own_scratchpad());
}

// A primitive with the formats it chose for its two inputs and its output, and its scratchpad.
struct Prepared {
  dnnl::primitive primitive;
  memory::desc first, second, result;
  int first_arg, second_arg, result_arg;
  memory::desc scratchpad;
};

Prepared prepare(Pass pass, const Geometry& g) {
  auto hint = forward_desc(g);
  if (pass == Pass::kForward) {
    return {dnnl::convolution_forward(hint), hint.src_desc(), hint.weights_desc(),
            hint.dst_desc(), DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST,
            hint.scratchpad_desc()};
  }
  if (pass == Pass::kInputGrad) {
    dnnl::convolution_backward_data::primitive_desc pd(
        cpu_engine(), dnnl::algorithm::convolution_direct, g.image(Tag::nhwc),
        g.kernel(Tag::any), g.output(Tag::nhwc), {g.sh, g.sw}, {g.pt, g.pl}, {g.pb, g.pr}, hint,
        own_scratchpad());
    return {dnnl::convolution_backward_data(pd), pd.diff_dst_desc(), pd.weights_desc(),
            pd.diff_src_desc(), DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC,
            pd.scratchpad_desc()};
  }
  dnnl::convolution_backward_weights::primitive_desc pd(
      cpu_engine(), dnnl::algorithm::convolution_direct, g.image(Tag::nhwc), g.kernel(Tag::any),
      g.output(Tag::nhwc), {g.sh, g.sw}, {g.pt, g.pl}, {g.pb, g.pr}, hint, own_scratchpad());
  return {dnnl::convolution_backward_weights(pd), pd.src_desc(), pd.diff_dst_desc(),
          pd.diff_weights_desc(), DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
          pd.scratchpad_desc()};
}

const Prepared& prepared(Pass pass, const Geometry& g) {
  static std::mutex mutex;
  static std::map<std::pair<Pass, Geometry>, std::unique_ptr<Prepared>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[{pass, g}];
  if (!slot) slot = std::make_unique<Prepared>(prepare(pass, g));
  return *slot;
}

// The user's buffer as `wanted`: itself when the formats agree, else a reordered copy.
memory reordered_in(memory user, const memory::desc& wanted, dnnl::stream& stream) {
  if (user.get_desc() == wanted) return user;
  memory copy(wanted, cpu_engine());
  dnnl::reorder(user, copy).execute(stream, user, copy);
  return copy;
}

ffi::Error run(Pass pass, const Geometry& g, float* first, Tag first_tag, float* second,
               Tag second_tag, float* result, Tag result_tag) {
  try {
    const Prepared& p = prepared(pass, g);
    dnnl::stream stream(cpu_engine());
    auto plain = [&](Tag tag, const memory::desc& chosen, float* data) {
      // chosen's dims in oneDNN's logical order; only the format differs from the user's
      return memory(memory::desc(chosen.get_dims(), memory::data_type::f32, tag), cpu_engine(),
                    data);
    };
    memory user_result = plain(result_tag, p.result, result);
    memory out = user_result.get_desc() == p.result ? user_result : memory(p.result, cpu_engine());
    p.primitive.execute(
        stream, {{p.first_arg, reordered_in(plain(first_tag, p.first, first), p.first, stream)},
                 {p.second_arg, reordered_in(plain(second_tag, p.second, second), p.second, stream)},
                 {p.result_arg, out},
                 {DNNL_ARG_SCRATCHPAD, memory(p.scratchpad, cpu_engine())}});
    if (out != user_result) dnnl::reorder(out, user_result).execute(stream, out, user_result);
    stream.wait();
    return ffi::Error::Success();
  } catch (const dnnl::error& e) {
    return ffi::Error(ffi::ErrorCode::kInternal, std::string("oneDNN convolution: ") + e.what());
  }
}

using Image = ffi::Buffer<ffi::F32, 4>;

Geometry geometry(ffi::Span<const int64_t> x, ffi::Span<const int64_t> w,
                  ffi::Span<const int64_t> y, int64_t sh, int64_t sw, int64_t pt, int64_t pb,
                  int64_t pl, int64_t pr) {
  return {x[0], x[1], x[2], x[3], w[3], w[0], w[1], y[1], y[2], sh, sw, pt, pb, pl, pr};
}

ffi::Error forward(Image x, Image w, ffi::ResultBuffer<ffi::F32, 4> y, int64_t sh, int64_t sw,
                   int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
  Geometry g = geometry(x.dimensions(), w.dimensions(), y->dimensions(), sh, sw, pt, pb, pl, pr);
  return run(Pass::kForward, g, x.typed_data(), Tag::nhwc, w.typed_data(), Tag::hwio,
             y->typed_data(), Tag::nhwc);
}

ffi::Error input_grad(Image dy, Image w, ffi::ResultBuffer<ffi::F32, 4> dx, int64_t sh,
                      int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
  Geometry g = geometry(dx->dimensions(), w.dimensions(), dy.dimensions(), sh, sw, pt, pb, pl, pr);
  return run(Pass::kInputGrad, g, dy.typed_data(), Tag::nhwc, w.typed_data(), Tag::hwio,
             dx->typed_data(), Tag::nhwc);
}

ffi::Error weight_grad(Image x, Image dy, ffi::ResultBuffer<ffi::F32, 4> dw, int64_t sh,
                       int64_t sw, int64_t pt, int64_t pb, int64_t pl, int64_t pr) {
  Geometry g = geometry(x.dimensions(), dw->dimensions(), dy.dimensions(), sh, sw, pt, pb, pl, pr);
  return run(Pass::kWeightGrad, g, x.typed_data(), Tag::nhwc, dy.typed_data(), Tag::nhwc,
             dw->typed_data(), Tag::hwio);
}

// Two operands, one result, and the geometry the operand shapes leave open.
auto binding() {
  return ffi::Ffi::Bind()
      .Arg<Image>()
      .Arg<Image>()
      .Ret<ffi::Buffer<ffi::F32, 4>>()
      .Attr<int64_t>("stride_h")
      .Attr<int64_t>("stride_w")
      .Attr<int64_t>("pad_top")
      .Attr<int64_t>("pad_bottom")
      .Attr<int64_t>("pad_left")
      .Attr<int64_t>("pad_right");
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(JaxgenConvForward, forward, binding());
XLA_FFI_DEFINE_HANDLER_SYMBOL(JaxgenConvInputGrad, input_grad, binding());
XLA_FFI_DEFINE_HANDLER_SYMBOL(JaxgenConvWeightGrad, weight_grad, binding());
