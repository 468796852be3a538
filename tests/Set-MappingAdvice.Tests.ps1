BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-MemMapUnderTest
    $script:Page = [Environment]::SystemPageSize

    function Get-CachedByteCount([string] $Path) {
        <# The bytes of the file in the page cache, as util-linux fincore counts them. #>
        [long](fincore --bytes --noheadings --raw --output RES $Path)
    }
}

Describe 'Set-MappingAdvice on a mapping' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "data-$(New-Guid).bin"
        $script:Content = New-PatternFile -Path $Path -Length (4 * $Page)
    }

    AfterEach {
        Get-MemoryMapping | Remove-MemoryMapping
    }

    It 'DontNeed zero-fills the whole pages of private anonymous memory that hold the range' {
        $m = New-MemoryMapping -Anonymous -Length (3 * $Page) -Private
        Set-MappedByte $m -Offset 0 -String 'first'
        Set-MappedByte $m -Offset ($Page + 100) -String 'second'

        Set-MappingAdvice $m DontNeed -Offset ($Page + 100) -Count 6 -Confirm:$false

        Get-MappedByte $m -Offset 0 -Count 5 -AsString | Should -Be 'first'
        (Get-MappedByte $m -Offset $Page -Count $Page) -ne 0 | Should -BeNullOrEmpty
    }

    It 'DontNeed drops a private file mapping''s own copies, so reads show the file again' {
        $m = New-MemoryMapping $Path -Private
        Set-MappedByte $m -Offset 0 -String 'changed'

        Set-MappingAdvice $m DontNeed -Confirm:$false -PassThru | Should -Be $m

        (Get-MappedByte $m -Count 7) | Should -Be $Content[0..6]
    }

    It 'changes nothing under -WhatIf, even for advice that drops data' {
        $m = New-MemoryMapping -Anonymous -Length $Page -Private
        Set-MappedByte $m -Offset 0 -String 'keep me'

        Set-MappingAdvice $m DontNeed -WhatIf
        Set-MappingAdvice $m Remove -WhatIf

        Get-MappedByte $m -Count 7 -AsString | Should -Be 'keep me'
    }

    It 'asks before dropping data: a session that cannot prompt gets an error and keeps the data' {
        $output = Invoke-ChildPwsh {
            $m = New-MemoryMapping -Anonymous -Length 4096 -Private
            Set-MappedByte $m -Offset 0 -String 'still here'
            # A prompt in a -NonInteractive session fails with this message, and only a prompt does.
            try { Set-MappingAdvice $m DontNeed; 'not asked' } catch { if ("$($_.Exception)" -like '*NonInteractive mode. Read and Prompt functionality is not available*') { 'asked' } else { "failed otherwise: $_" } }
            Get-MappedByte $m -Count 10 -AsString
        }
        $output | Should -Be 'asked', 'still here'
    }

    It 'gives <Advice> without asking, and the data stays' -ForEach @(
        @{ Advice = 'Sequential' }, @{ Advice = 'Random' }, @{ Advice = 'WillNeed' }, @{ Advice = 'DontDump' }, @{ Advice = 'PopulateRead' }, @{ Advice = 'PageOut' }
    ) {
        $m = New-MemoryMapping $Path
        Set-MappingAdvice $m $Advice -Offset 10 -Count $Page -ErrorAction Stop
        Set-MappingAdvice -Mapping $m -Advice $Advice -ErrorAction Stop
        [Convert]::ToHexString((Get-MappedByte $m -Count (4 * $Page))) | Should -Be ([Convert]::ToHexString([byte[]]$Content))
    }

    It 'explains advice the kernel refuses, naming what it needs and the kernel version' {
        $m = New-MemoryMapping $Path
        Set-MappingAdvice $m Free -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failure
        $failure[0].FullyQualifiedErrorId | Should -Be 'madvise.EINVAL,MemMap.Commands.SetMappingAdviceCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure[0].Exception.Message | Should -BeLike "*Linux $((Get-Content /proc/sys/kernel/osrelease).Trim())*Free needs private anonymous memory*"
        [Convert]::ToHexString((Get-MappedByte $m -Count (4 * $Page))) | Should -Be ([Convert]::ToHexString([byte[]]$Content))
    }

    It 'refuses a file-only advice for a mapping, listing the ones that fit' {
        $m = New-MemoryMapping $Path
        { Set-MappingAdvice $m NoReuse -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappingAdviceCommand' -ExpectedMessage '*NoReuse applies to files (-Path) only*'
    }

    It 'refuses a range that touches unmapped pages, and skips them for the whole mapping' {
        $m = New-MemoryMapping -Anonymous -Length (3 * $Page) -Private
        Set-MappedByte $m -Offset 0 -String 'kept'
        $null = $m.Unmap($Page, $Page)

        { Set-MappingAdvice $m DontNeed -Count (2 * $Page) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'Access.Unmapped,MemMap.Commands.SetMappingAdviceCommand'
        Get-MappedByte $m -Count 4 -AsString | Should -Be 'kept'
        Set-MappingAdvice $m WillNeed -ErrorAction Stop
    }

    It 'refuses a range past the end of the mapping' {
        $m = New-MemoryMapping $Path
        { Set-MappingAdvice $m WillNeed -Offset (4 * $Page) -Count 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappingAdviceCommand'
    }

    It 'completes -Advice with the mapping advice, or the file advice once -Path is given' {
        $line = 'Set-MappingAdvice $m -Advice Dont'
        $forMapping = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $forMapping | Should -Be 'DontNeed', 'DontFork', 'DontDump'
        $line = 'Set-MappingAdvice -Path x -Advice No'
        $forFile = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $forFile | Should -Be 'Normal', 'NoReuse'
    }
}

Describe 'Set-MappingAdvice on files (-Path)' {
    BeforeEach {
        $script:Path = Join-Path $TestDrive "cache-$(New-Guid).bin"
        $stream = [IO.File]::Create($Path)
        try {
            $stream.Write([byte[]]::new(64 * $Page), 0, 64 * $Page)
            $stream.Flush($true) # DontNeed evicts clean pages only
        }
        finally { $stream.Dispose() }
    }

    It 'loads a file into the page cache with WillNeed and evicts it with DontNeed (vmtouch -t / -e)' {
        if (-not (Get-Command fincore -ErrorAction Ignore)) { Set-ItResult -Skipped -Because 'fincore is missing: install util-linux (.ci/run does), which the test compares with'; return }
        Set-MappingAdvice -Path $Path -Advice DontNeed
        Get-CachedByteCount $Path | Should -Be 0

        Set-MappingAdvice -Path $Path -Advice WillNeed
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-CachedByteCount $Path) -lt 64 * $Page -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        Get-CachedByteCount $Path | Should -Be (64 * $Page)

        Set-MappingAdvice -Path $Path -Advice DontNeed -Offset 0 -Count (32 * $Page)
        Get-CachedByteCount $Path | Should -Be (32 * $Page)
    }

    It 'takes files from Get-ChildItem, expands wildcards and passes each FileInfo on' {
        Copy-Item $Path (Join-Path $TestDrive 'copy-a.dat')
        Copy-Item $Path (Join-Path $TestDrive 'copy-b.dat')

        $piped = Get-ChildItem $TestDrive -Filter 'copy-*.dat' | Set-MappingAdvice -Advice DontNeed -PassThru
        $piped.Name | Should -Be 'copy-a.dat', 'copy-b.dat'
        $expanded = Set-MappingAdvice -Path (Join-Path $TestDrive 'copy-?.dat') -Advice Sequential -PassThru
        $expanded | Should -BeOfType [IO.FileInfo]
        $expanded.Count | Should -Be 2
    }

    It 'does nothing under -WhatIf' {
        if (-not (Get-Command fincore -ErrorAction Ignore)) { Set-ItResult -Skipped -Because 'fincore is missing: install util-linux (.ci/run does), which the test compares with'; return }
        $null = [IO.File]::ReadAllBytes($Path)
        Set-MappingAdvice -Path $Path -Advice DontNeed -WhatIf
        Get-CachedByteCount $Path | Should -Be (64 * $Page)
    }

    It 'reports a path that matches nothing, a folder and a mapping-only advice clearly' {
        { Set-MappingAdvice -Path (Join-Path $TestDrive 'none-*.bin') -Advice WillNeed -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound,MemMap.Commands.SetMappingAdviceCommand'
        { Set-MappingAdvice -LiteralPath (Join-Path $TestDrive 'none.bin') -Advice WillNeed -ErrorAction Stop } |
            Should -Throw -ErrorId 'open.ENOENT,MemMap.Commands.SetMappingAdviceCommand'
        { Set-MappingAdvice -LiteralPath $TestDrive -Advice WillNeed -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*not a regular file*'
        { Set-MappingAdvice -Path $Path -Advice Free -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidArgument,MemMap.Commands.SetMappingAdviceCommand' -ExpectedMessage '*Free applies to mappings*'
    }

    It 'loads all of a file far larger than the read-ahead window with WillNeed, as fincore shows at once' {
        $big = Join-Path $TestDrive "big-$(New-Guid).bin"
        $stream = [IO.File]::Create($big)
        try {
            $block = [byte[]]::new(1MB); $block[0] = 1
            foreach ($i in 1..64) { $stream.Write($block, 0, $block.Length) }
            $stream.Flush($true)
        }
        finally { $stream.Dispose() }
        Set-MappingAdvice -Path $big -Advice DontNeed
        Get-CachedByteCount $big | Should -Be 0

        Set-MappingAdvice -Path $big -Advice WillNeed -Verbose 4>&1 | Should -BeLike '*: 0 of 16384 pages in the page cache before, 16384 of 16384 after.'
        Get-CachedByteCount $big | Should -Be 64MB # no waiting: the load is done when the cmdlet returns (vmtouch -t)
    }

    It 'warns which mappings of this session keep pages cached when DontNeed cannot evict them' {
        $m = New-MemoryMapping $Path -Protection Read
        $null = Get-MappedByte $m -Offset 0 -Count (8 * $Page) # maps 8 pages into this process
        Set-MappingAdvice -Path $Path -Advice DontNeed -WarningVariable warned -WarningAction SilentlyContinue
        Get-CachedByteCount $Path | Should -BeGreaterOrEqual (8 * $Page)
        $warned.Count | Should -Be 1
        "$warned" | Should -BeLike "*stay in the page cache after DontNeed: mapping $($m.Id) ($Path) of this session maps them, and a mapped page is not evicted*"

        Remove-MemoryMapping $m
        Set-MappingAdvice -Path $Path -Advice DontNeed -WarningVariable quiet
        $quiet | Should -BeNullOrEmpty
        Get-CachedByteCount $Path | Should -Be 0
    }

    It 'stops a long load at Ctrl+C within a fraction of a second' {
        $big = Join-Path $TestDrive "slow-$(New-Guid).bin"
        $stream = [IO.File]::Create($big)
        try { $stream.SetLength(8GB) } # sparse: reading its holes fills the page cache with zeros, 8 GiB of work
        finally { $stream.Dispose() }
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$((Get-Module MemMap).Path)'; Set-MappingAdvice -Path '$big' -Advice WillNeed")
            $running = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 300
            $running.IsCompleted | Should -BeFalse -Because 'loading 8 GiB takes longer than this'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 0.9
            (Get-CachedByteCount $big) | Should -BeLessThan 8GB
        }
        finally {
            $ps.Dispose()
            Set-MappingAdvice -Path $big -Advice DontNeed # give the page cache back to the other tests
        }
    }
}

Describe 'Set-MappingAdvice -Verbose' {
    It 'says which advice went to which pages of a mapping' {
        $m = New-MemoryMapping -Anonymous -Length (2 * [Environment]::SystemPageSize)
        $said = Set-MappingAdvice $m -Advice Random -Verbose 4>&1 | Out-String
        $said | Should -Match 'madvise\(MADV_RANDOM\) on the 2 pages at offsets 0 to'
        Remove-MemoryMapping $m
    }

    It 'counts the pages of a file in the page cache before and after -Path advice' {
        $path = Join-Path $TestDrive "verbose-$(New-Guid).bin"
        [IO.File]::WriteAllBytes($path, [byte[]]::new(16 * [Environment]::SystemPageSize))
        $said = Set-MappingAdvice -Path $path -Advice WillNeed -Verbose 4>&1 | Out-String
        $said | Should -Match 'posix_fadvise\(WillNeed\) on .*verbose-.* \d+ of 16 pages in the page cache before, \d+ of 16 after'
    }
}
