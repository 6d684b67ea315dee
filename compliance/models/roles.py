"""What a subject of a report is, and which rules run on it: one name for each, used by the
checkers' registration (``registry.checker``), the kinds that build the subjects, and the
reporters that show them. A ``str`` enum: the report's JSON holds the value, and a report read
back (a baseline) compares equal with plain strings."""

from __future__ import annotations

import enum


class SubjectRole(str, enum.Enum):
    TREE = "tree"  # a whole submission tree (the Training/HPC package rules run on it)
    SYSTEM = "system"  # a system description file of a Training/HPC tree
    RESULT_SET = "result_set"  # one Training/HPC benchmark entry (its run logs)
    TRAINING_LOG = "training_log"  # one MLLOG result log
    LOADGEN_RUN = "loadgen_run"  # one LoadGen run (its detail, summary and accuracy logs)
    INFERENCE_RESULT = "inference_result"  # one Inference scenario result
    INFERENCE_SUBMISSION = "inference_submission"  # the rules on a whole Inference tree

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


FILE_ROLES = (SubjectRole.TRAINING_LOG, SubjectRole.LOADGEN_RUN, SubjectRole.SYSTEM)  # subjects that are files
FOLDER_ROLES = (SubjectRole.TREE, SubjectRole.RESULT_SET, SubjectRole.INFERENCE_RESULT)  # subjects that are folders
RUN_ROLES = (SubjectRole.TRAINING_LOG, SubjectRole.LOADGEN_RUN)  # one run each
