// Checkpoints: a TrainState as JSON, every double exact (C99 hexadecimal floating point,
// "0x1.999999999999ap-4"), so resuming continues bit-identically.
//
//   {"format": "odec-checkpoint", "version": 2,
//    "settings": {...},                       // what the run may only be resumed with
//    "epoch": 3, "batch": 0,                  // progress; with settings.seed, the shuffle's state
//    "epoch_loss_sum": "0x0p+0", "seconds": "0x1.2p+3",
//    "params": ["0x1p-1", ...],
//    "adam": {"step": 120, "m": [...], "v": [...]},
//    "best": {"epoch": 3, "loss": "0x1.3p-9", "params": [...]},
//    "history_rows": 3}                       // = epoch: rows of history.csv it continues
//
// Its size does not grow with the epochs: the per-epoch history lives in the run directory's
// history.csv (shortest round-trip decimals, so exact too), which RunDirectory appends to and
// reads back on resume. parseCheckpoint leaves TrainState::history empty for version 2;
// version 1 checkpoints, which carried "history": [{"epoch", "train_loss", "val_loss",
// "seconds"}, ...], are still read.
//
// The settings are an opaque JSON object chosen by the caller (model, tableau, step, seed, …);
// resumeSettingsMismatch compares them.
#pragma once

#include "train/Trainer.h"

#include <nlohmann/json.hpp>
#include <string>

namespace odec {

std::string checkpointToJson(const TrainState &state, const nlohmann::ordered_json &settings);

/// Parses a checkpoint; its settings go to `settings`. Throws FileError (io/ParamsJson.h) for
/// anything that is not a well-formed checkpoint.
TrainState parseCheckpoint(const std::string &text, const std::string &file,
                           nlohmann::ordered_json &settings);

/// "" when `now` may resume a run saved with `saved`; otherwise a message naming the first
/// setting that differs and both values. Keys in `ignored` (e.g. the epoch count, which a
/// resumed run may extend) are not compared; a key of `defaults` that `saved` lacks (a setting
/// added after the run was saved) counts as its value there.
std::string resumeSettingsMismatch(const nlohmann::ordered_json &saved,
                                   const nlohmann::ordered_json &now,
                                   const std::vector<std::string> &ignored,
                                   const nlohmann::ordered_json &defaults =
                                       nlohmann::ordered_json::object());

} // namespace odec
