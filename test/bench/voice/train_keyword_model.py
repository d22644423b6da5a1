"""Trains the keyword model (shared/voice/keyword-model.ts) on the examples
train-keyword-model.ts generated; run by `npm run bench:voice-model`, not by hand.

Needs PyTorch and NumPy: Debian's python3-torch (`apt-get install python3-torch`),
nothing from PyPI. Only training needs them; the app and the tests run the model in
TypeScript.

    python3 train_keyword_model.py --data <dir with x.f32 and meta.json> --out weights.json

Writes the float weights in the layouts keyword-model.ts packs: convolutions
[out][in][kernel], the output layer [class][channel].
"""
import argparse, json, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BANDS = 24
CLASSES = 6

ap = argparse.ArgumentParser()
ap.add_argument('--data', required=True)
ap.add_argument('--out', required=True)
ap.add_argument('--epochs', type=int, default=20)
ap.add_argument('--channels', default='64,64,96,128')
ap.add_argument('--lr', type=float, default=2e-3)
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--threads', type=int, default=2)
# Vocal tract length perturbation (0: none): each training example's mel bands are stretched
# or squeezed by a random factor in [1 - warp, 1 + warp], as a longer or shorter vocal tract
# moves every formant; for voices unlike the ones rendered for training.
ap.add_argument('--warp', type=float, default=0.0)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
rng = np.random.default_rng(a.seed)

meta = json.load(open(f'{a.data}/meta.json'))
frames = np.fromfile(f'{a.data}/x.f32', dtype='<f4').reshape(-1, BANDS)
lengths = np.array(meta['lengths'])
labels = np.array(meta['labels'])
offsets = np.concatenate([[0], np.cumsum(lengths)])
# Per utterance, each band less its mean (as keywordFeaturesFromMels does); then one scale for all.
seqs = [frames[offsets[i]:offsets[i + 1]] - frames[offsets[i]:offsets[i + 1]].mean(0, keepdims=True) for i in range(len(lengths))]
stacked = np.concatenate(seqs)
MEAN = stacked.mean(0)
SCALE = stacked.std(0) + 1e-6
raw = [s.astype(np.float32) for s in seqs] if a.warp > 0 else None  # [frame][band], before the scale (only for warping)
seqs = [((s - MEAN) / SCALE).astype(np.float32).T.copy() for s in seqs]  # [band][frame]


def warped(i):
    """Example i with its bands resampled at band * factor (linear interpolation, edges held), then scaled."""
    factor = 1 + rng.uniform(-a.warp, a.warp)
    pos = np.clip(np.arange(BANDS) * factor, 0, BANDS - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, BANDS - 1)
    frac = (pos - lo).astype(np.float32)
    r = raw[i]
    w = r[:, lo] * (1 - frac) + r[:, hi] * frac
    w = w - w.mean(0, keepdims=True)
    return ((w - MEAN) / SCALE).astype(np.float32).T.copy()
print(f'{len(seqs)} examples, {len(stacked)} frames; per class {np.bincount(labels, minlength=CLASSES).tolist()}', flush=True)

CH = [int(v) for v in a.channels.split(',')]
KERNELS = [5, 5, 5, 3]
POOLS = [2, 2, 2, 1]
assert len(CH) == len(KERNELS), '--channels: four layers'


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        ins = [BANDS] + CH[:-1]
        self.convs = nn.ModuleList(nn.Conv1d(i, o, k, padding=k // 2) for i, o, k in zip(ins, CH, KERNELS))
        self.fc = nn.Linear(CH[-1], CLASSES)

    def forward(self, x, lengths):
        # Frames past an example's end are zeroed after every layer, so each example sees
        # exactly what the TypeScript inference sees: zero padding at its own edges.
        def mask(h, n):
            return h * (torch.arange(h.shape[2])[None, :] < n[:, None]).float()[:, None, :]
        h, n = x, lengths
        for conv, pool in zip(self.convs, POOLS):
            h = mask(F.relu(conv(h)), n)
            if pool == 2:
                h = F.max_pool1d(h, 2)
                n = n // 2
                h = mask(h, n)
        return self.fc(h.max(2).values)


def batch(idx, augment):
    n = [seqs[i].shape[1] for i in idx]
    x = np.zeros((len(idx), BANDS, max(max(n), 8)), np.float32)
    for k, i in enumerate(idx):
        s = warped(i) if augment and a.warp > 0 else seqs[i]
        if augment:
            # SpecAugment-style: a couple of bands and a short stretch of time blanked.
            s = s.copy()
            for _ in range(2):
                w = rng.integers(0, 4)
                f0 = rng.integers(0, BANDS - w + 1)
                s[f0:f0 + w] = 0
            w = rng.integers(0, 8)
            t0 = rng.integers(0, max(1, n[k] - w))
            s[:, t0:t0 + w] = 0
        x[k, :, :n[k]] = s
    return torch.from_numpy(x), torch.tensor(n)


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=1e-3)
per_epoch = (len(seqs) + 63) // 64
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * per_epoch)
by_length = np.argsort(lengths, kind='stable')  # batches of similar length: little padding
held = np.arange(len(seqs)) % 20 == 0
started = time.time()
for epoch in range(a.epochs):
    chunks = [by_length[i:i + 64] for i in range(0, len(seqs), 64)]
    rng.shuffle(chunks)
    total = 0.0
    net.train()
    for idx in chunks:
        idx = idx[~held[idx]]
        if len(idx) == 0:
            continue
        x, n = batch(idx, True)
        loss = F.cross_entropy(net(x, n), torch.from_numpy(labels[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += loss.item() * len(idx)
    net.eval()
    right = 0
    with torch.no_grad():
        hidx = by_length[held[by_length]]
        for i in range(0, len(hidx), 256):
            x, n = batch(hidx[i:i + 256], False)
            right += int((net(x, n).argmax(1).numpy() == labels[hidx[i:i + 256]]).sum())
    print(f'epoch {epoch + 1}/{a.epochs}: loss {total / (~held).sum():.4f}, held-out examples {100 * right / held.sum():.1f} % right, {time.time() - started:.0f} s', flush=True)

state = net.state_dict()
json.dump({
    'mean': MEAN.tolist(),
    'scale': SCALE.tolist(),
    'layers': [{'channels': CH[i], 'kernel': KERNELS[i], 'pool': POOLS[i], 'weights': state[f'convs.{i}.weight'].numpy().reshape(-1).tolist(), 'bias': state[f'convs.{i}.bias'].numpy().tolist()} for i in range(len(CH))],
    'output': {'weights': state['fc.weight'].numpy().reshape(-1).tolist(), 'bias': state['fc.bias'].numpy().tolist()},
}, open(a.out, 'w'))
print(f'wrote {a.out}', flush=True)
