"""Reports: members report posts (one active report per post gathers every complaint), and
moderators who may handle them comment, assign, resolve (optionally deleting the post and
warning its author) or reject; every reporter is told the outcome."""
