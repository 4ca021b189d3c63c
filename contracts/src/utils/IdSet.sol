// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IdSet
/// @notice An enumerable set of uint256 ids with O(1) add, remove and membership. It plays the part of
/// OpenZeppelin's EnumerableSet.UintSet, whose `at` function solc 0.8.37 warns about (a future keyword).
library IdSet {
    struct Set {
        uint256[] ids;
        /// 1-based index of each member in `ids`; 0 = not a member.
        mapping(uint256 id => uint256 position) positions;
    }

    /// @dev Adds `id`; no-op when it is already a member.
    function add(Set storage set, uint256 id) internal {
        if (set.positions[id] != 0) return;
        set.ids.push(id);
        set.positions[id] = set.ids.length;
    }

    /// @dev Removes `id` by moving the last member into its place (order is not kept); no-op for non-members.
    function remove(Set storage set, uint256 id) internal {
        uint256 position = set.positions[id];
        if (position == 0) return;
        uint256 lastId = set.ids[set.ids.length - 1];
        set.ids[position - 1] = lastId;
        set.positions[lastId] = position;
        set.ids.pop();
        delete set.positions[id];
    }

    function length(Set storage set) internal view returns (uint256) {
        return set.ids.length;
    }

    function idAt(Set storage set, uint256 index) internal view returns (uint256) {
        return set.ids[index];
    }
}
