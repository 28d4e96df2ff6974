#!/usr/bin/python3
"""The PyTorch half of bench-train: the same LeNet++ training run as
build/bench/bench_train, for the ratio scripts/bench_train.sh prints.

Same network (LeNet++ with a 2-D embedding and a bias-free linear softmax
head), same data (the first --images Fashion-MNIST training images, as
float32 in [0, 1]), same step (batch --batch, SGD momentum 0.9, lr 0.01,
cross-entropy), same thread count (--threads). The first --warmup steps are
run but not timed, as in the C++ half. The images are taken in a shuffled
order, gathered into each batch, as facegrad's trainer does.

Same initialisation as facegrad (--init facegrad, the default): Kaiming
normal weights (std sqrt(2 / fan_in)) for the convolutions and the fully
connected layer, zero biases, PReLU slopes 0.25, and the softmax head's
class weights normal with std sqrt(2 / (classes + dim)). PyTorch's own
defaults (--init pytorch: uniform weights of std 1/sqrt(3 fan_in)) leave
the 2-D embedding near zero after six such layers, and the loss stays at
ln 10 = 2.3026 for the first epoch's steps, so the two losses would not be
comparable. The "epoch loss" printed is the mean over all the steps' images,
as facegrad prints it.

Prints lines of key=value that the script reads:
  pytorch_seconds=T  (the timed steps)  pytorch_images=N  pytorch_peak_mib=M
"""
import argparse
import gzip
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path, count):
    """The first `count` items of an unsigned-byte IDX file (plain or gzip)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[0] != 0 or data[1] != 0 or data[2] != 8:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    nd = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    if count > dims[0]:
        sys.exit(f"{path}: holds {dims[0]} items, {count} asked for")
    per = 1
    for d in dims[1:]:
        per *= d
    start = 4 + 4 * nd
    raw = bytearray(data[start: start + count * per])
    return torch.frombuffer(raw, dtype=torch.uint8).reshape([count] + dims[1:])


class LeNetPP(nn.Module):
    """LeNet++: three pairs of 5x5 convolutions (32, 64, 128 channels, padding
    2) each followed by PReLU, a max-pool after each pair (2x2/2, 2x2/2, then
    last_pool), then a fully connected layer to the embedding and a PReLU."""

    def __init__(self, dim, last_pool, prelu_per_channel, conv_bias):
        super().__init__()
        chans = [1, 32, 32, 64, 64, 128, 128]
        self.convs = nn.ModuleList(
            [nn.Conv2d(chans[i], chans[i + 1], 5, padding=2, bias=conv_bias) for i in range(6)])
        self.prelus = nn.ModuleList(
            [nn.PReLU(chans[i + 1] if prelu_per_channel else 1) for i in range(6)])
        self.pools = [(2, 2), (2, 2), last_pool]
        side = 28
        for k, s in self.pools:
            side = (side - k) // s + 1
        self.fc = nn.Linear(128 * side * side, dim)
        self.fc_prelu = nn.PReLU(dim if prelu_per_channel else 1)

    def forward(self, x):
        for i in range(6):
            x = self.prelus[i](self.convs[i](x))
            if i % 2 == 1:
                k, s = self.pools[i // 2]
                x = F.max_pool2d(x, k, s)
        return self.fc_prelu(self.fc(torch.flatten(x, 1)))


def init_like_facegrad(model, head):
    """facegrad's initialisation (layers/init.hpp, layers/prelu.hpp, the
    softmax loss's class weights), in PyTorch's generator."""
    with torch.no_grad():
        for layer in list(model.convs) + [model.fc]:
            nn.init.kaiming_normal_(layer.weight, a=0, mode="fan_in", nonlinearity="relu")
            if layer.bias is not None:
                layer.bias.zero_()
        for p in list(model.prelus) + [model.fc_prelu]:
            p.weight.fill_(0.25)
        classes, dim = head.weight.shape
        head.weight.normal_(0, (2.0 / (classes + dim)) ** 0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--images", type=int, default=6400)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--dim", type=int, default=2)
    ap.add_argument("--last-pool", default="3x2", help="KxS: kernel x stride of the last pool")
    ap.add_argument("--prelu", choices=["channel", "shared"], default="channel")
    ap.add_argument("--conv-bias", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", choices=["facegrad", "pytorch"], default="facegrad",
                    help="weight initialisation: facegrad's (Kaiming normal) or PyTorch's default")
    ap.add_argument("--profile-steps", type=int, default=0,
                    help="after the timed run, profile this many steps and print the costliest ops")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    k, s = (int(v) for v in a.last_pool.split("x"))

    def find(stem):
        for name in (stem, stem + ".gz"):
            p = os.path.join(a.data, name)
            if os.path.exists(p):
                return p
        sys.exit(f"{a.data}: no {stem}[.gz]")

    x_all = read_idx(find("train-images-idx3-ubyte"), a.images).float().div_(255).unsqueeze(1)
    y_all = read_idx(find("train-labels-idx1-ubyte"), a.images).long()

    model = LeNetPP(a.dim, (k, s), a.prelu == "channel", bool(a.conv_bias))
    head = nn.Linear(a.dim, 10, bias=False)
    if a.init == "facegrad":
        init_like_facegrad(model, head)
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9)
    model.train()

    steps = (a.images + a.batch - 1) // a.batch
    order = torch.randperm(a.images)
    t0 = None
    timed_images = 0
    loss_sum = 0.0
    for step in range(steps):
        if step == a.warmup:
            t0 = time.perf_counter()
        idx = order[step * a.batch: min(a.images, (step + 1) * a.batch)]
        x, y = x_all.index_select(0, idx), y_all.index_select(0, idx)
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(head(model(x)), y)
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            sys.exit(f"pytorch: the loss is {loss.item()} at step {step}")
        loss_sum += loss.item() * len(idx)
        if step >= a.warmup:
            timed_images += len(idx)
    seconds = time.perf_counter() - t0 if t0 is not None else float("nan")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"pytorch {torch.__version__}: {timed_images} images in {seconds:.2f} s "
          f"({timed_images / seconds:.0f} img/s, {a.threads} threads), "
          f"peak memory {peak_mib:.0f} MiB, epoch loss {loss_sum / a.images:.4f}")
    print(f"pytorch_seconds={seconds:.6f} pytorch_images={timed_images} pytorch_peak_mib={peak_mib:.1f}")
    if a.profile_steps > 0:
        profile_ops(model, head, opt, x_all, y_all, a.batch, a.profile_steps)


def profile_ops(model, head, opt, x_all, y_all, batch, steps):
    """The autograd profiler over `steps` more steps: time per step of the
    costliest ops, each op split by its input shapes (so each convolution
    layer gets its own forward and backward line)."""
    from torch.autograd import profiler
    with profiler.profile(record_shapes=True) as prof:
        for step in range(steps):
            x, y = x_all[:batch], y_all[:batch]
            opt.zero_grad(set_to_none=False)
            F.cross_entropy(head(model(x)), y).backward()
            opt.step()
    rows = prof.key_averages(group_by_input_shape=True)
    rows = sorted(rows, key=lambda r: r.self_cpu_time_total, reverse=True)[:16]
    total = sum(r.self_cpu_time_total for r in prof.key_averages())
    print(f"\npytorch ops, ms per step of {batch} images (self time, mean of {steps} steps)")
    for r in rows:
        shapes = str(r.input_shapes[:2]).replace(" ", "")[:44]
        print(f"  {r.key[:34]:34s} {shapes:44s} {r.self_cpu_time_total / 1e3 / steps:9.2f}"
              f" {100 * r.self_cpu_time_total / total:6.1f}%")


if __name__ == "__main__":
    main()
