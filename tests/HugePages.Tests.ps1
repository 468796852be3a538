BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize
    $script:Huge = 1024 * [long]((Get-Content /proc/meminfo | Where-Object { $_ -like 'Hugepagesize:*' }) -split '\s+')[1]
    # The success path needs reserved huge pages: a few, given back in AfterAll.
    $script:Reserved = Add-HugePageReservation -Count 8
    $script:WhyNot = if ($Reserved -is [string]) { $Reserved }
}

AfterAll {
    if ($Reserved -isnot [string]) { Remove-HugePageReservation -Count $Reserved }
}

Describe 'New-MemoryMapping -HugePages, and every page-range cmdlet on it' {
    BeforeEach {
        if ($WhyNot) { Set-ItResult -Skipped -Because $WhyNot; return }
        $script:m = New-MemoryMapping -Anonymous -Length 4MB -HugePages
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'reports the huge page size as PageSize' {
        $m.PageSize | Should -Be $Huge
        $m.MappedLength | Should -Be 4MB
        ($m | Format-List | Out-String) | Should -BeLike "*PageSize*: $Huge*"
    }

    It 'refuses an offset inside a huge page with InvalidArgument, no bare EINVAL, and widens a count to whole huge pages' {
        Set-MappingProtection $m -Protection Read -Offset 4096 -Count 4096 -ErrorAction SilentlyContinue -ErrorVariable inside
        $inside[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.SetMappingProtectionCommand'
        $inside[0].ToString() | Should -BeLike "*not a multiple of the huge page size of mapping $($m.Id) ($Huge bytes, 2 MiB). Use offset 0 or $Huge."
        Remove-MemoryMapping $m -Offset 8192 -Count 4096 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable unmap
        $unmap[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.RemoveMemoryMappingCommand'

        Set-MappingProtection $m -Protection Read -Offset 0 -Count 4096
        $m.ProtectionRegions.Length | Should -Be $Huge, $Huge
        $m.ProtectionRegions.Protection | Should -Be 'Read', 'ReadWrite'
        Remove-MemoryMapping $m -Offset $Huge -Count 1 -Confirm:$false
        $m.UnmappedRanges.Offset | Should -Be $Huge
    }

    It 'resizes in whole huge pages, and refuses to grow clearly' {
        Resize-MemoryMapping $m -Length 3MB -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable odd
        $odd[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.ResizeMemoryMappingCommand'
        $odd[0].ToString() | Should -BeLike '*3145728 bytes is not a whole number of them*'
        Resize-MemoryMapping $m -Length 8MB -ErrorAction SilentlyContinue -ErrorVariable grow
        $grow[0].ToString() | Should -BeLike '*does not grow huge-page mappings*'
        Resize-MemoryMapping $m -Length 2MB -Confirm:$false
        $m.Length | Should -Be 2MB
    }

    It 'syncs, locks and advises any range, widened to huge pages' {
        { Sync-MemoryMapping $m -Offset 10 -Count 10 -ErrorAction Stop } | Should -Not -Throw
        { Lock-MemoryMapping $m -Offset 5 -Count 5 -ErrorAction Stop } | Should -Not -Throw
        { Unlock-MemoryMapping $m -Offset 5 -Count 5 -ErrorAction Stop } | Should -Not -Throw
        { Set-MappingAdvice $m -Advice Random -Offset 3000000 -Count 1 -ErrorAction Stop } | Should -Not -Throw
        ($m | Get-MappingResidency).ResidentPages | Should -Be 1 -Because 'the lock faulted in the huge page it widened to'
    }

    It 'counts residency and the process map in huge pages' {
        Set-MappedByte $m -Offset ($Huge + 1) -Value 7
        $r = $m | Get-MappingResidency
        $r.Pages | Should -Be 2
        $r.ResidentPages | Should -Be 1
        $r.Percent | Should -Be 50
        $r.PageSize | Should -Be $Huge
        $regions = Get-ProcessMemoryMap -Detailed | Where-Object MappingId -eq $m.Id
        ($regions | Measure-Object Rss -Sum).Sum | Should -Be $Huge
        $regions.PageSize | Should -Be $Huge
    }
}

Describe 'New-MemoryMapping -HugePages with a length that is not whole huge pages' {
    It 'says what length was given and which to use' {
        New-MemoryMapping -Anonymous -Length 1000 -HugePages -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'InvalidArgument,MemMap.Commands.NewMemoryMappingCommand'
        $failure[0].ToString() | Should -BeLike "*-Length 1000 is not a whole number of them: use -Length $Huge (1 huge page)."
        $failure[0].ToString() | Should -Not -BeLike '*4096*'
    }
}
